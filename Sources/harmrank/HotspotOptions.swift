import ArgumentParser
import Shared

/// The hotspot grid and model (CONTRACT.md section 6).
struct HotspotOptions: ParsableArguments {
    @Option(help: "Side of a grid cell in metres.")
    var cellSize = 250

    @Option(help: "D: a record raises the risk of cells fewer than this many cells away.")
    var distanceBandwidth = 8

    @Option(help: "W: a record counts for fewer than this many whole weeks.")
    var timeBandwidth = 8

    @Option(help: "Comma-separated subgroups whose located records count.")
    var subgroups = Subgroup.burglaryResidential.rawValue

    var parameters: HotspotParameters {
        get throws {
            var parameters = HotspotParameters()
            parameters.cellSize = cellSize
            parameters.distanceBandwidth = distanceBandwidth
            parameters.timeBandwidth = timeBandwidth
            parameters.subgroups = Set(
                try subgroups.split(separator: ",").map { name in
                    guard let subgroup = Subgroup(rawValue: String(name)) else {
                        throw ValidationError(
                            "--subgroups: '\(name)' is not a subgroup; use \(Subgroup.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return subgroup
                })
            if let problem = parameters.problem { throw ValidationError("hotspot parameters: \(problem)") }
            return parameters
        }
    }
}
