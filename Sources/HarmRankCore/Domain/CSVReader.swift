/// Rows of a CSV text (RFC 4180: quoted fields, doubled quotes, commas and line breaks inside quotes), each with
/// the line it starts on, so that every error can name file and line.
public struct CSVReader: Sequence {
    /// One row: its fields, and the line it starts on.
    public struct Row: Sendable {
        /// The line the row starts on, from 1.
        public let line: Int
        /// The fields, unquoted.
        public let fields: [String]
    }

    private let text: String

    /// A reader of `text`.
    public init(_ text: String) { self.text = text }

    /// The rows, in order.
    public func makeIterator() -> AnyIterator<Row> {
        var scalars = text.unicodeScalars.makeIterator()
        var line = 1
        var pending: Unicode.Scalar? = scalars.next()
        if pending == "\u{FEFF}" { pending = scalars.next() }
        return AnyIterator {
            while pending != nil {
                let startLine = line
                var fields: [String] = []
                var field = String.UnicodeScalarView()
                var quoted = false
                var endOfRow = false
                while let scalar = pending, !endOfRow {
                    pending = scalars.next()
                    if quoted {
                        if scalar == "\"" {
                            if pending == "\"" {
                                field.append("\"")
                                pending = scalars.next()
                            } else {
                                quoted = false
                            }
                        } else {
                            if scalar == "\n" { line += 1 }
                            field.append(scalar)
                        }
                        continue
                    }
                    switch scalar {
                    case "\"" where field.isEmpty: quoted = true
                    case ",":
                        fields.append(String(field))
                        field = String.UnicodeScalarView()
                    case "\r" where pending == "\n": break
                    case "\n", "\r":
                        line += 1
                        endOfRow = true
                    default: field.append(scalar)
                    }
                }
                fields.append(String(field))
                if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
                return Row(line: startLine, fields: fields)
            }
            return nil
        }
    }
}
