/// A problem in a data file (harm table, ward registry, an import): names the file, the line and what is wrong,
/// so the person who edited it can fix it without reading code.
public struct DataFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, as the user named it.
    public let file: String
    /// The line, when the problem is on one.
    public let line: Int?
    /// What is wrong, in words.
    public let problem: String

    /// A problem in `file`, on `line` if given.
    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// `file, line n: problem`.
    public var description: String {
        if let line { return "\(file), line \(line): \(problem)" }
        return "\(file): \(problem)"
    }
}

/// The columns of a CSV file by header name, so rows read by name and a missing column is one clear error.
struct CSVColumns {
    let file: String
    let indexByName: [String: Int]

    init(header: CSVReader.Row?, file: String, required: [String]) throws(DataFileError) {
        guard let header else { throw DataFileError(file: file, line: nil, problem: "the file is empty") }
        self.file = file
        var indexByName: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            indexByName[name.trimmingASCIIWhitespace()] = index
        }
        self.indexByName = indexByName
        let missing = required.filter { indexByName[$0] == nil }
        guard missing.isEmpty else {
            throw DataFileError(
                file: file, line: header.line,
                problem: "the header lacks \(missing.joined(separator: ", ")); expected \(required.joined(separator: ","))")
        }
    }

    func value(_ name: String, in row: CSVReader.Row) throws(DataFileError) -> String {
        guard let index = indexByName[name], index < row.fields.count else {
            throw DataFileError(
                file: file, line: row.line,
                problem: "has \(row.fields.count) fields but the header has \(indexByName.count); '\(name)' is missing")
        }
        return row.fields[index].trimmingASCIIWhitespace()
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
