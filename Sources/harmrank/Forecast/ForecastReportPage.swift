import Foundation
import Shared

/// The evaluation as one self-contained HTML page with SVG plots: the verdict first, the measures side by side, the
/// calibration plot, each borough's AUC, and the limits of what the figures say.
struct ForecastReportPage {
    let report: ForecastEvaluateCommand.Report

    private static let colours = ["#00468c", "#d9822b", "#5a8f29"]
    private var names: [String] { ForecastEvaluateCommand.Report.order.filter { report.evaluation.models[$0] != nil } }

    var html: String {
        let evaluation = report.evaluation
        var rows = ""
        for name in names {
            let card = evaluation.models[name]!
            rows += "<tr><td>\(name)</td><td>\(f(card.auc))</td><td>\(f(card.seriousAuc))</td><td>\(f(card.brier))</td><td>\(f(card.top100Precision))</td></tr>\n"
        }
        let boroughRows = evaluation.boroughs.keys.sorted().map { borough in
            let cards = evaluation.boroughs[borough]!
            let first = cards[names[0]]
            return "<tr><td>\(borough.markupEscaped)</td><td>\(first?.rows ?? 0)</td><td>\(first?.reoffended ?? 0)</td>"
                + names.map { "<td>\(f(cards[$0]?.auc))</td>" }.joined() + names.map { "<td>\(f(cards[$0]?.top100Precision))</td>" }.joined()
                + "</tr>"
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>HarmRank forecast evaluation</title>
            <style>
            body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
            table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
            td:first-child,th:first-child{text-align:left}.verdict{font-size:1.2em;font-weight:bold;border-left:4px solid #00468c;padding-left:.6em}
            .limits{background:#f5f5f5;padding:.6em 1em}
            </style></head><body>
            <h1>Forecast of future VAWG harm: evaluation</h1>
            <p class="verdict" id="verdict">\(evaluation.verdict.markupEscaped)</p>
            <p>Model <code>\(report.model.markupEscaped)</code>, trained at cut-offs \(report.trainedOn.joined(separator: ", ")); tested at \
            \(report.cutoffs.joined(separator: ", ")), each at least 365 days later. \(evaluation.models[names[0]]?.rows ?? 0) suspect-cut-offs, \
            of whom \(evaluation.models[names[0]]?.reoffended ?? 0) committed a VAWG offence in the following 365 days and \
            \(evaluation.models[names[0]]?.seriousReoffended ?? 0) a serious one.</p>
            <table id="measures"><tr><th>model</th><th>AUC</th><th>serious AUC</th><th>Brier</th><th>top-100 precision</th></tr>
            \(rows)</table>
            <p>AUC: the chance that a suspect who offended again is ranked above one who did not (0.5 is chance). Brier: \
            the mean squared error of the probability (lower is better). Top-100 precision: the share of the predicted \
            top 100 who were in the actual top 100 by next-year VAWG harm. A baseline's probability is the rate its \
            score's band showed in training.</p>
            <h2>Measures side by side</h2>
            \(barChart)
            <h2>Calibration</h2>
            <p>Of the suspects given a probability in each band, the share who offended again: a calibrated model \
            lies on the diagonal.</p>
            \(calibrationPlot)
            <h2>By borough</h2>
            <p>Suspects are placed in the borough of most of their VAWG offences in the year before the cut-off (for \
            this table only: place is never an input of the model). The pale bar is the trained model's 95% interval \
            by the bootstrap: with a few hundred suspects a borough, much of the spread between boroughs is chance.</p>
            \(evaluation.gaps.isEmpty ? "" : "<ul id=\"gaps\">" + evaluation.gaps.map { "<li>\($0.markupEscaped)</li>" }.joined() + "</ul>")
            \(boroughPlot)
            <table id="boroughs"><tr><th>borough</th><th>suspects</th><th>offended again</th>\
            \(names.map { "<th>AUC \($0)</th>" }.joined())\(names.map { "<th>top-100 \($0)</th>" }.joined())</tr>
            \(boroughRows)
            </table>
            <div class="limits"><h2>What these figures cannot say</h2>
            <p>A model trained on generated careers says nothing about real ones until a force trains and tests it on \
            its own history. Recorded crime is not offending: a suspect whose abuse goes unreported looks like one who \
            desisted. A high score is a reason for a person to look at the history, never a finding about the suspect.</p></div>
            </body></html>

            """
    }

    private var barChart: String {
        let measures: [(String, (ForecastScorecard) -> Double?)] = [
            ("AUC", \.auc), ("serious AUC", \.seriousAuc), ("top-100 precision", \.top100Precision), ("1 - Brier", { $0.brier.map { 1 - $0 } }),
        ]
        let group = 40 + names.count * 22
        let width = 60 + measures.count * group
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"260\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"Measures of each model\">\n"
        svg += "<line x1=\"40\" y1=\"220\" x2=\"\(width)\" y2=\"220\" stroke=\"#444\"/>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let y = 220 - tick * 200
            svg += "<text x=\"4\" y=\"\(y + 4)\">\(String(format: "%.2f", tick))</text><line x1=\"36\" y1=\"\(y)\" x2=\"\(width)\" y2=\"\(y)\" stroke=\"#eee\"/>"
        }
        for (index, (label, measure)) in measures.enumerated() {
            let left = 50 + index * group
            for (position, name) in names.enumerated() {
                let value = report.evaluation.models[name].flatMap(measure) ?? 0
                svg += "<rect x=\"\(left + position * 22)\" y=\"\(220 - value * 200)\" width=\"18\" height=\"\(value * 200)\" fill=\"\(Self.colours[position % 3])\"><title>\(name) \(label): \(f(value))</title></rect>"
            }
            svg += "<text x=\"\(left)\" y=\"236\">\(label)</text>\n"
        }
        return svg + legend(y: 252) + "</svg>"
    }

    private var calibrationPlot: String {
        let size = 300.0
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"380\" height=\"370\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"Calibration\">\n"
        svg += "<g transform=\"translate(50,10)\"><rect width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#444\"/>"
        svg += "<line x1=\"0\" y1=\"\(size)\" x2=\"\(size)\" y2=\"0\" stroke=\"#aaa\" stroke-dasharray=\"4\"/>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<text x=\"\(tick * size - 8)\" y=\"\(size + 14)\">\(String(format: "%.2f", tick))</text><text x=\"-34\" y=\"\(size - tick * size + 4)\">\(String(format: "%.2f", tick))</text>"
        }
        svg += "<text x=\"\(size / 2 - 50)\" y=\"\(size + 30)\">predicted probability</text><text transform=\"translate(-40,\(size / 2 + 40)) rotate(-90)\">observed rate</text>"
        for (position, name) in names.enumerated() {
            let bins = report.evaluation.models[name]?.calibration ?? []
            let points = bins.map { "\($0.meanPredicted * size),\(size - $0.observedRate * size)" }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(Self.colours[position % 3])\" stroke-width=\"1.5\"/>"
            for bin in bins {
                svg += "<circle cx=\"\(bin.meanPredicted * size)\" cy=\"\(size - bin.observedRate * size)\" r=\"\(min(8, 2 + log10(Double(bin.count))))\" fill=\"\(Self.colours[position % 3])\"><title>\(name): \(bin.count) suspects given \(f(bin.lower))-\(f(bin.upper)), mean \(f(bin.meanPredicted)); \(f(bin.observedRate)) offended</title></circle>"
            }
        }
        return svg + "</g>" + legend(y: 362) + "</svg>"
    }

    private var boroughPlot: String {
        let evaluation = report.evaluation
        let boroughs = evaluation.boroughs.keys.sorted {
            let a = evaluation.boroughs[$0]?[names[0]]?.auc ?? 0
            let b = evaluation.boroughs[$1]?[names[0]]?.auc ?? 0
            return a != b ? a < b : $0 < $1
        }
        let height = 40 + boroughs.count * 14
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"\(height + 20)\" font-family=\"sans-serif\" font-size=\"10\" role=\"img\" aria-label=\"AUC by borough\">\n"
        let x = { (auc: Double) in 180 + (auc - 0.4) / 0.6 * 400 }
        for tick in stride(from: 0.4, through: 1.0, by: 0.1) {
            svg += "<line x1=\"\(x(tick))\" y1=\"10\" x2=\"\(x(tick))\" y2=\"\(height - 20)\" stroke=\"#eee\"/><text x=\"\(x(tick) - 8)\" y=\"\(height - 8)\">\(String(format: "%.1f", tick))</text>"
        }
        for (position, name) in names.enumerated() {
            if let overall = evaluation.models[name]?.auc {
                svg += "<line x1=\"\(x(overall))\" y1=\"10\" x2=\"\(x(overall))\" y2=\"\(height - 20)\" stroke=\"\(Self.colours[position % 3])\" stroke-dasharray=\"3\"><title>\(name) overall: \(f(overall))</title></line>"
            }
        }
        for (row, borough) in boroughs.enumerated() {
            let y = 20 + row * 14
            svg += "<text x=\"4\" y=\"\(y + 4)\">\(borough.markupEscaped)</text>"
            if let interval = evaluation.boroughs[borough]?[names[0]]?.aucInterval {
                svg += "<line x1=\"\(x(max(0.4, interval[0])))\" y1=\"\(y)\" x2=\"\(x(max(0.4, interval[1])))\" y2=\"\(y)\" stroke=\"\(Self.colours[0])\" stroke-opacity=\"0.35\" stroke-width=\"3\"><title>\(borough.markupEscaped), \(names[0]): 95% interval \(f(interval[0]))-\(f(interval[1]))</title></line>"
            }
            for (position, name) in names.enumerated() {
                guard let auc = evaluation.boroughs[borough]?[name]?.auc else { continue }
                svg += "<circle cx=\"\(x(max(0.4, auc)))\" cy=\"\(y)\" r=\"3.5\" fill=\"\(Self.colours[position % 3])\"><title>\(borough.markupEscaped), \(name): AUC \(f(auc))</title></circle>"
            }
        }
        return svg + legend(y: height + 14) + "</svg>"
    }

    private func legend(y: Int) -> String {
        names.enumerated().map { position, name in
            "<rect x=\"\(50 + position * 130)\" y=\"\(y - 9)\" width=\"10\" height=\"10\" fill=\"\(Self.colours[position % 3])\"/><text x=\"\(64 + position * 130)\" y=\"\(y)\">\(name)</text>"
        }.joined()
    }

    private func f(_ value: Double?) -> String { ForecastEvaluation.format(value) }
}
