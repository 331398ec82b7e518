extension String {
    /// The text with `&`, `<`, `>` and `"` escaped, safe inside an HTML or SVG element or attribute.
    var markupEscaped: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
