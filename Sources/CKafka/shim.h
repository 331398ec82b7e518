// The system librdkafka, including the mock cluster used as the embedded development broker.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
