import Foundation
import HarmRankForecast
import Hummingbird
import Shared

/// The lists API of CONTRACT.md section 8: the lists, each list as JSON or CSV, the explanation of a suspect's or a
/// ward's scores offence by offence, and of a hotspot cell's risk crime by crime. Every read that shows a suspect is
/// written to the audit log.
struct ListRoutes: Sendable {
    let board: Board
    let audit: AuditLog

    struct ListSummary: Codable {
        var name: String
        var entity: String
        var size: Int
        var windowDays = 365
        var asOf: String?
        var version: Int64
        var total: Int
    }

    struct ListPage: Codable {
        struct Entry: Codable {
            var rank: Int
            var id: String
            var score: Double
            var offences: Int
            var lastOffenceAt: String?
            var name: String?
            var borough: String?
            var components: DauntlessComponents?
        }
        var name: String
        var entity: String
        var asOf: String?
        var windowDays = 365
        var total: Int
        var entries: [Entry]
    }

    struct Explanation: Codable {
        struct ListStanding: Codable {
            var list: String
            var score: Double
            var rank: Int?
            var offences: Int
            var components: DauntlessComponents?
        }
        struct Offence: Codable {
            var crimeRef: String
            var offenceCode: String
            var title: String?
            var cchiDays: Double
            var occurredAt: String
            var expiresAt: String
            var lists: [String]
            /// A suspect's domestic offence: the ward it was recorded in, which routes alerts to units.
            var ward: String?
        }
        var id: String
        var entity: String
        var name: String?
        var borough: String?
        var asOf: String?
        var windowDays = 365
        var lists: [ListStanding]
        var offences: [Offence]
        /// With a forecast model, for a suspect it covers: each prediction taken apart by feature.
        var forecast: ForecastView?
    }

    /// A suspect's forecast as the API shows it: each prediction, where it starts and what each feature adds.
    struct ForecastView: Codable {
        struct Prediction: Codable {
            /// A probability, or CCHI days for the expected harm.
            var value: Double
            /// The model's value for a suspect of whom nothing is known.
            var base: Double
            /// The features that move it, largest effect first; with `base`, every feature's effect adds up to `value`.
            var features: [Feature]
        }
        struct Feature: Codable {
            var name: String
            var meaning: String
            var value: Double
            var effect: Double
        }
        var rank: Int?
        /// The list's score: the expected harm floored to hundredths of a day.
        var score: Double
        var expectedHarm: Prediction
        var anyOffence: Prediction
        var seriousOffence: Prediction
        var trainedAt: [String]
    }

    /// A hotspot cell's risk and the crimes that raise it: places and crime references, no person.
    struct CellExplanation: Codable {
        struct Crime: Codable {
            var crimeRef: String
            /// The cell the crime lies in.
            var cell: String
            var offenceCode: String?
            var title: String?
            var occurredAt: String
            /// Chebyshev distance in cells from the crime's cell to this one.
            var distanceCells: Int
            /// Whole weeks from the crime to `asOf`.
            var weeks: Int
            /// Its near-repeat (ProMap) part of the risk.
            var nearRepeat: Double
            /// Its background part: a crime of the past 365 days in the cell itself (`default` model only).
            var background: Double
        }
        var id: String
        /// The model ranking the `hotspots` list: `default` or `promap`.
        var model: String
        var asOf: String?
        var windowDays: Int
        var rank: Int?
        /// The list's score: the risk floored to hundredths.
        var score: Double
        var risk: Double
        var nearRepeat: Double
        var background: Double
        var cellSize: Int
        /// D and W of the near-repeat term.
        var distanceBandwidth: Int
        var timeBandwidth: Int
        /// What a crime of the past 365 days in the cell itself adds (`default` model only).
        var backgroundWeight: Double?
        /// Largest part first.
        var crimes: [Crime]
    }

    func register(on router: Router<HarmRankRequestContext>) {
        let analysts = router.requiring(.analyst)
        analysts.get("/v1/lists") { _, context in
            let summaries = board.read { state in
                board.lists.map { list in
                    ListSummary(
                        name: list.rawValue, entity: list.entity.rawValue, size: board.shownSize(of: list),
                        windowDays: windowDays(of: list), asOf: board.asOf(state)?.rfc3339, version: state.versions[list] ?? 0,
                        total: state.lists[list]!.count)
                }
            }
            return try jsonResponse(["lists": summaries])
        }
        analysts.get("/v1/lists/:name") { request, context in
            var name = try context.parameters.require("name")
            let csv = name.hasSuffix(".csv")
            if csv { name.removeLast(4) }
            let page = try self.page(name, query: request.uri.queryParameters)
            if page.entity == EntityKind.suspect.rawValue, !page.entries.isEmpty {
                audit.record(context, read: "list \(name) ranks \(page.entries.first!.rank)-\(page.entries.last!.rank)")
            }
            return csv ? Self.csvResponse(page) : try jsonResponse(page)
        }
        analysts.get("/v1/suspects/:id") { _, context in
            let id = try context.parameters.require("id")
            audit.record(context, read: "suspect \(id)")
            return try jsonResponse(try explanation(of: EntityRef(.suspect, id)))
        }
        analysts.get("/v1/wards/:code") { _, context in
            return try jsonResponse(try explanation(of: EntityRef(.ward, try context.parameters.require("code"))))
        }
        // Places and crime references only, like a ward's explanation: not a read of personal data.
        analysts.get("/v1/cells/:id") { _, context in
            return try jsonResponse(try cellExplanation(try context.parameters.require("id")))
        }
    }

    func page(_ name: String, query: Hummingbird.Parameters) throws -> ListPage {
        let limit = try Self.integer(query["limit"], "limit", default: board.size, range: 0...10_000)
        let offset = try Self.integer(query["offset"], "offset", default: 0, range: 0...Int.max)
        guard let list = HarmList(rawValue: name), board.lists.contains(list) else {
            let unconfigured = name == HarmList.forecast.rawValue ? " (forecast needs RankService started with --forecast-model)" : ""
            throw APIError(
                .notFound, code: "unknown-list",
                detail: "no list '\(name)'; the lists are \(board.lists.map(\.rawValue).joined(separator: ", "))\(unconfigured)")
        }
        return board.read { state in
            let asOf = board.asOf(state)
            let shown = board.shownSize(of: list)
            let total = min(state.lists[list]!.count, shown)
            let entries = state.lists[list]!.entries(offset: offset, limit: min(limit, max(0, shown - offset)))
            return ListPage(
                name: name, entity: list.entity.rawValue, asOf: asOf?.rfc3339, windowDays: windowDays(of: list), total: total,
                entries: entries.map { entry in
                    let entity = EntityRef(list.entity, entry.id)
                    // A forecast rests on the suspect's VAWG offences: its entries count those.
                    let standing = state.scores[entity]?.standing(in: list == .forecast ? .vawg100 : list)
                    let ward = list.entity == .ward ? board.wards[entry.id] : nil
                    return ListPage.Entry(
                        rank: entry.rank, id: entry.id, score: entry.score.days, offences: standing?.offences ?? 0,
                        lastOffenceAt: standing?.lastOffenceAt?.rfc3339, name: ward?.name, borough: ward?.borough,
                        components: standing?.components(asOf: asOf))
                })
        }
    }

    /// Hotspot risk looks back as far as its model does (ProMap: W weeks); every other list 365 days.
    func windowDays(of list: HarmList) -> Int { list == .hotspots ? board.hotspotWindowDays : 365 }

    func explanation(of entity: EntityRef) throws -> Explanation {
        try board.read { state in
            let asOf = board.asOf(state)
            let ward = entity.kind == .ward ? board.wards[entity.id] : nil
            guard let score = state.scores[entity] else {
                guard ward != nil else {
                    throw APIError(
                        .notFound, code: "not-found",
                        detail: "no \(entity.kind.rawValue) '\(entity.id)' has a crime counting in the window")
                }
                return Explanation(
                    id: entity.id, entity: entity.kind.rawValue, name: ward?.name, borough: ward?.borough,
                    asOf: asOf?.rfc3339,
                    lists: HarmList.lists(of: entity.kind).map { list in
                        .init(list: list.rawValue, score: 0, rank: state.lists[list]!.rank(of: entity.id), offences: 0)
                    }, offences: [])
            }
            return Explanation(
                id: entity.id, entity: entity.kind.rawValue, name: ward?.name, borough: ward?.borough,
                asOf: asOf?.rfc3339,
                lists: score.standings.map { standing in
                    .init(
                        list: standing.list.rawValue, score: Harm(hundredths: standing.score).days,
                        rank: state.lists[standing.list]!.rank(of: entity.id).flatMap { $0 <= board.shownSize(of: standing.list) ? $0 : nil },
                        offences: standing.offences, components: standing.components(asOf: asOf))
                },
                offences: score.offences.map { offence in
                    .init(
                        crimeRef: offence.crimeRef, offenceCode: offence.offenceCode,
                        title: board.harmTable[offence.offenceCode]?.title, cchiDays: Harm(hundredths: offence.harm).days,
                        occurredAt: offence.occurredAt.rfc3339, expiresAt: offence.expiresAt.rfc3339,
                        lists: offence.lists.inListOrder.map(\.rawValue), ward: offence.ward)
                },
                forecast: entity.kind == .suspect ? forecastView(of: entity.id, in: state) : nil)
        }
    }

    /// The suspect's forecast explained, when a model is configured and the suspect is in its population.
    func forecastView(of id: String, in state: Board.State) -> ForecastView? {
        guard let model = board.forecastModel, let asOf = board.asOf(state),
            let features = state.forecast?.features(of: id, at: asOf), let explanation = try? model.explain(features)
        else { return nil }
        func prediction(_ part: ForecastExplanation.Part) -> ForecastView.Prediction {
            ForecastView.Prediction(
                value: part.value, base: part.base,
                features: part.largest(ForecastFeatures.all.count, features: features).map {
                    ForecastView.Feature(name: $0.feature.name, meaning: $0.feature.meaning, value: $0.value, effect: $0.effect)
                })
        }
        let rank = state.lists[.forecast]?.rank(of: id)
        return ForecastView(
            rank: rank.flatMap { $0 <= board.size ? $0 : nil }, score: state.lists[.forecast]?.score(of: id)?.days ?? 0,
            expectedHarm: prediction(explanation.expectedHarm), anyOffence: prediction(explanation.anyOffence),
            seriousOffence: prediction(explanation.seriousOffence),
            trainedAt: model.training.cutoffs.map { String($0.rfc3339.prefix(10)) })
    }

    func cellExplanation(_ id: String) throws -> CellExplanation {
        let grid = board.hotspotParameters
        guard let cell = grid.cell(id: id) else {
            throw APIError(
                .notFound, code: "not-found",
                detail: "no cell '\(id)' on this grid: a cell is named by its south-west corner in British National Grid metres, multiples of \(grid.cellSize), as \(grid.id(of: GridCell(x: 2121, y: 723)))")
        }
        return board.read { state in
            let model = state.hotspots
            var offences: [String: EntityScore.Offence] = [:]
            var records: [(key: String, cell: GridCell, occurredAt: Instant)] = []
            for dx in -model.reach...model.reach {
                for dy in -model.reach...model.reach {
                    let around = GridCell(x: cell.x + Int32(dx), y: cell.y + Int32(dy))
                    for offence in state.scores[EntityRef(.cell, grid.id(of: around))]?.offences ?? [] {
                        records.append((offence.crimeRef, around, offence.occurredAt))
                        offences[offence.crimeRef] = offence
                    }
                }
            }
            let risk = model.explain(cell, records: records)
            let units = Double(risk.denominator)
            return CellExplanation(
                id: id, model: model.model.rawValue, asOf: board.asOf(state)?.rfc3339, windowDays: model.windowDays,
                rank: state.lists[.hotspots]!.rank(of: id).flatMap { $0 <= board.size ? $0 : nil },
                score: Harm(hundredths: risk.total * 100 / risk.denominator).days, risk: Double(risk.total) / units,
                nearRepeat: Double(risk.nearRepeat) / units, background: Double(risk.background) / units, cellSize: grid.cellSize,
                distanceBandwidth: model.nearRepeatParameters.distanceBandwidth, timeBandwidth: model.nearRepeatParameters.timeBandwidth,
                backgroundWeight: model.model == .blend ? model.blend.backgroundWeight : nil,
                crimes: risk.contributions.map { part in
                    let offence = offences[part.key]
                    return CellExplanation.Crime(
                        crimeRef: part.key, cell: grid.id(of: part.cell), offenceCode: offence?.offenceCode,
                        title: offence.flatMap { board.harmTable[$0.offenceCode]?.title }, occurredAt: part.occurredAt.rfc3339,
                        distanceCells: part.distance, weeks: part.weeks, nearRepeat: Double(part.nearRepeat) / units,
                        background: Double(part.background) / units)
                })
        }
    }

    static func integer(_ text: Substring?, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                .badRequest, code: "invalid-parameter",
                detail: "\(name) '\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The page as CSV: the same columns as the JSON entries, components flattened.
    static func csvResponse(_ page: ListPage) -> Response {
        var lines = ["rank,id,score,offences,lastOffenceAt,name,borough,harm,frequency,gravity,recencyDays,victims,rfg"]
        for entry in page.entries {
            let components = entry.components
            let fields: [String] = [
                String(entry.rank), entry.id, Harm(roundingDays: entry.score).description,
                String(entry.offences), entry.lastOffenceAt ?? "", entry.name ?? "", entry.borough ?? "",
                components.map { $0.harm.description } ?? "",
                components.map { String($0.frequency) } ?? "",
                components.map { $0.gravity.description } ?? "",
                components.map { String($0.recencyDays) } ?? "", components.map { String($0.victims) } ?? "",
                components.map { String($0.rfg) } ?? "",
            ]
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(page.name).csv\""],
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }
}
