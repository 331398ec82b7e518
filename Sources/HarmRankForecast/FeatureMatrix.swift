import CXGBoost

/// Rows of feature values in XGBoost's own matrix, with the labels trained towards when there are any.
final class FeatureMatrix {
    let handle: DMatrixHandle
    /// Its number of rows.
    let rows: Int
    /// Its number of columns.
    let columns: Int

    /// A matrix of `rows` (each `columns` long), no value missing.
    init(_ rows: [[Double]], columns: Int) throws(XGBoostError) {
        let values = rows.flatMap { row in
            precondition(row.count == columns, "a row of \(row.count) values where \(columns) features are expected")
            return row.map(Float.init)
        }
        var handle: DMatrixHandle?
        try XGBoostError.check(
            XGDMatrixCreateFromMat(values, UInt64(rows.count), UInt64(columns), .nan, &handle), "build a matrix of \(rows.count) rows")
        self.handle = handle!
        self.rows = rows.count
        self.columns = columns
    }

    /// Sets what each row's prediction is trained towards.
    func setLabels(_ labels: [Double]) throws(XGBoostError) {
        precondition(labels.count == rows)
        try XGBoostError.check(XGDMatrixSetFloatInfo(handle, "label", labels.map(Float.init), UInt64(labels.count)), "set the labels")
    }

    deinit { XGDMatrixFree(handle) }
}
