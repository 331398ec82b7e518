import Foundation

// SwiftPM writes this accessor for a target with resources; the fuzzer is built with swiftc straight over the
// core's sources (SwiftPM cannot link a fuzzer here), so it is written by hand: the core's folder, whose `Resources`
// holds the shipped tables, from HARMRANK_CORE_SOURCES.
extension Foundation.Bundle {
    static let module: Bundle = {
        let path = ProcessInfo.processInfo.environment["HARMRANK_CORE_SOURCES"] ?? "Sources/HarmRankCore"
        guard let bundle = Bundle(path: path) else { fatalError("HARMRANK_CORE_SOURCES '\(path)' is not a folder") }
        return bundle
    }()
}
