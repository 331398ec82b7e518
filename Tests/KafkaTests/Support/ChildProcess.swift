import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real OS process started by a test (a HarmRank executable, kcat), with its output captured in files so a
/// chatty child never blocks on a full pipe. Killed if the test forgets it.
final class ChildProcess: @unchecked Sendable {
    let name: String
    private let process = Process()
    private let outputFile: URL
    private let errorFile: URL

    /// Starts `executable` (a HarmRank executable built beside the tests, or a program on PATH).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws {
        name = executable
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-child-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        outputFile = directory.appendingPathComponent("stdout")
        errorFile = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)

        process.executableURL = Self.locate(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HARMRANK_") }
            .merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        if let input {
            let inputFile = directory.appendingPathComponent("stdin")
            try input.write(to: inputFile)
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }
    var processIdentifier: Int32 { process.processIdentifier }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The exit status once the process has ended, or nil if it is still running after `timeout`.
    func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// HarmRank executables live beside the test bundle; anything else is looked up on PATH.
    static func locate(_ executable: String) -> URL {
        let besideTests = buildDirectory.appendingPathComponent(executable)
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(executable)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return besideTests
    }

    static let buildDirectory: URL = {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On some platforms the tests run from inside a bundle folder.
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents"
            || directory.lastPathComponent == "MacOS"
        {
            directory.deleteLastPathComponent()
        }
        return directory
    }()
}

/// A loopback port nothing listens on right now.
func freePort() -> Int { freePorts(1) }

/// The first of `count` consecutive loopback ports nothing listens on right now. They are taken below the kernel's
/// ephemeral range (32768 and up on Linux), where no outgoing connection or port-0 listener of another test can
/// claim one between this check and the child binding it; `harmrank up` uses four from its `--http-port`.
func freePorts(_ count: Int) -> Int {
    nextPortRun.withLock { next in
        while true {
            let base = next
            next = next + count >= 32_000 ? 20_000 : next + count
            if (base..<base + count).allSatisfy(canListen) { return base }
        }
    }
}

/// Concurrent tests in this process each get their own ports; the start varies so that test runs side by side
/// on one machine rarely meet.
private let nextPortRun = Mutex(20_000 + Int.random(in: 0..<10_000))

private func canListen(on port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(
    within timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Waits until IngestService has judged `judged` records and no service has anything left to read: the lists
/// are then final.
func pipelineSettled(judged: Int, ingest: Int, all: [Int], token: String) async -> Bool {
    await pipelineSettled(judged: judged, ingest: [ingest], all: all, token: token)
}

/// The same with several IngestService instances, whose outcomes together are the partitions' all.
func pipelineSettled(judged: Int, ingest: [Int], all: [Int], token: String) async -> Bool {
    await eventually(within: .seconds(300)) {
        var total = 0
        for port in ingest {
            let status = try? await get("http://127.0.0.1:\(port)/v1/status", token: token)
            total += (status?.json?["outcomes"] as? [String: Int] ?? [:]).values.reduce(0, +)
        }
        guard total == judged else { return false }
        for port in all {
            let status = try? await get("http://127.0.0.1:\(port)/v1/status", token: token)
            let lag = status?.json?["lag"] as? [[String: Any]] ?? []
            if lag.isEmpty || lag.contains(where: { ($0["lag"] as? Int ?? 1) != 0 }) { return false }
        }
        return true
    }
}

/// A new empty directory for one test.
func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-test-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
