// The system XGBoost's C API: gradient-boosted trees for the forecast of future VAWG harm.
#include <xgboost/c_api.h>
