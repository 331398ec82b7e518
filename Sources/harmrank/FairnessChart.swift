import Shared

/// A self-contained SVG of one month of a `FairnessReport`: a panel per list, a row per borough, a bar for its share
/// of the list's score beside a bar for its share of the list's offences; noted boroughs in red.
struct FairnessChart {
    let report: FairnessReport
    let month: String

    init(_ report: FairnessReport, month: String) {
        self.report = report
        self.month = month
    }

    private static let rowHeight = 14
    private static let labelWidth = 170
    private static let barWidth = 400

    var svg: String {
        let rows = report.rows.filter { $0.month == month }
        let boroughs = Set(rows.map(\.borough)).sorted()
        let panelHeight = 30 + boroughs.count * Self.rowHeight
        let lists = FairnessReport.lists
        let width = Self.labelWidth + Self.barWidth + 20
        let height = 40 + lists.count * (panelHeight + 20) + 20
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="10" role="img" aria-label="Share of each list's score and offences by borough, \(month)">
            <title>Share of each list's score (dark) and of its offences (light) by borough, end of \(month)</title>
            <text x="4" y="16" font-size="13" font-weight="bold">Each list's top \(report.size) by borough, end of \(month)</text>
            <text x="4" y="30" fill="#444">dark: share of the list's score · light: share of its offences · red: departs by more than x\(report.factor)</text>

            """
        for (index, list) in lists.enumerated() {
            let top = 40 + index * (panelHeight + 20)
            let listRows = Dictionary(uniqueKeysWithValues: rows.filter { $0.list == list }.map { ($0.borough, $0) })
            let largest = max(1, listRows.values.map { max($0.scoreShare, $0.offenceShare) }.max() ?? 1)
            out += "<g data-list=\"\(list.rawValue)\"><text x=\"4\" y=\"\(top + 14)\" font-size=\"12\" font-weight=\"bold\">\(list.rawValue)</text>\n"
            for (position, borough) in boroughs.enumerated() {
                let y = top + 22 + position * Self.rowHeight
                let row = listRows[borough]
                let score = (row?.scoreShare ?? 0) * Self.barWidth / largest
                let offences = (row?.offenceShare ?? 0) * Self.barWidth / largest
                let colour = row?.flagged == true ? "#a4161a" : "#00468c"
                out += """
                    <text x="4" y="\(y + 10)"\(row?.flagged == true ? " fill=\"#a4161a\"" : "")>\(borough.markupEscaped)</text>\
                    <rect x="\(Self.labelWidth)" y="\(y + 1)" width="\(offences)" height="6" fill="#9db9d9"><title>\(borough.markupEscaped): \
                    \(FairnessCommand.percent(row?.offenceShare ?? 0))% of offences</title></rect>\
                    <rect x="\(Self.labelWidth)" y="\(y + 7)" width="\(score)" height="6" fill="\(colour)"><title>\(borough.markupEscaped): \
                    \(FairnessCommand.percent(row?.scoreShare ?? 0))% of the score, \(row?.entities ?? 0) in the top</title></rect>

                    """
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }
}
