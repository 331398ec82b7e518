import Foundation
import Logging

/// A service run by `harmrank up` or `bench`: its output prefixed with its name (or written to a log file),
/// restarted if it exits on its own, stopped with SIGTERM (then SIGKILL after a grace period).
final class SupervisedProcess: @unchecked Sendable {
    let name: String
    private let executable: URL
    private let arguments: [String]
    private let environment: [String: String]
    private let logger: Logger
    private let logFile: URL?
    private let lock = NSLock()
    private var process: Process?
    private var stopping = false
    private var restarts = 0
    private var startedAt = ContinuousClock.now
    /// Removed once the process has ended, before it is started again (`crash(removing:)`).
    private var removeBeforeRestart: URL?

    init(
        name: String, executable: URL, arguments: [String], environment: [String: String], logFile: URL? = nil,
        logger: Logger
    ) {
        self.name = name
        self.logFile = logFile
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.logger = logger
    }

    func start() {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // The service stops by itself if this process dies without stopping it (`SupervisorWatch`).
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .merging(["HARMRANK_SUPERVISOR_PID": String(getpid())]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let prefix = "[\(name)] "
        let lines = LineSplitter()
        let log = logFile.flatMap { file -> FileHandle? in
            if !FileManager.default.fileExists(atPath: file.path) { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
            let handle = try? FileHandle(forWritingTo: file)
            _ = try? handle?.seekToEnd()
            return handle
        }
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            for line in lines.append(data) { (log ?? .standardOutput).write(Data((prefix + line + "\n").utf8)) }
        }
        process.terminationHandler = { [weak self] ended in
            output.fileHandleForReading.readabilityHandler = nil
            self?.ended(status: ended.terminationStatus)
        }
        do {
            try process.run()
            lock.withLock {
                self.process = process
                startedAt = .now
            }
        } catch {
            logger.error("\(name) could not start from \(executable.path): \(error)")
        }
    }

    private func ended(status: Int32) {
        let (restart, removing) = lock.withLock { () -> (Int?, URL?) in
            defer { removeBeforeRestart = nil }
            guard !stopping else { return (nil, nil) }
            // One that ran a while before it ended is not failing to start: its back-off starts again.
            if startedAt.duration(to: .now) > .seconds(30) { restarts = 0 }
            restarts += 1
            return (restarts, removeBeforeRestart)
        }
        guard let restart else { return }
        if let removing, FileManager.default.fileExists(atPath: removing.path) {
            do {
                try FileManager.default.removeItem(at: removing)
                logger.notice("\(name): removed \(removing.path) before restarting it")
            } catch {
                logger.error("\(name): could not remove \(removing.path): \(error)")
            }
        }
        // Back off so a service that cannot start does not spin: 1, 2, 4 ... at most 30 seconds.
        let delay = min(30, 1 << min(restart - 1, 5))
        logger.error("\(name) exited with status \(status); restarting in \(delay) s (restart \(restart))")
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(delay)) { [weak self] in
            guard let self, !self.lock.withLock({ self.stopping }) else { return }
            self.start()
        }
    }

    /// The running process's id, if it is running.
    var processIdentifier: Int32? {
        lock.withLock { process?.isRunning == true ? process?.processIdentifier : nil }
    }

    /// Kills the running process outright (SIGKILL), as a crash or a lost host would, and removes `directory` (its
    /// state, as a new host would lack it) before it is started again. False when it was not running.
    @discardableResult
    func crash(removing directory: URL? = nil) -> Bool {
        let pid = lock.withLock { () -> Int32? in
            guard let process, process.isRunning else { return nil }
            removeBeforeRestart = directory
            return process.processIdentifier
        }
        guard let pid else { return false }
        return kill(pid, SIGKILL) == 0
    }

    func stop(grace: Duration = .seconds(15)) async {
        guard let process = lock.withLock({ stopping = true; return self.process }), process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            logger.warning("\(name) did not stop within \(grace); killing it")
            kill(process.processIdentifier, SIGKILL)
        }
    }
}

/// Splits a byte stream into whole lines, keeping a partial last line for the next chunk.
private final class LineSplitter: @unchecked Sendable {
    private var pending = Data()
    private let lock = NSLock()

    func append(_ data: Data) -> [String] {
        lock.withLock {
            pending.append(data)
            guard let last = pending.lastIndex(of: 0x0a) else { return [] }
            let complete = pending[pending.startIndex..<last]
            pending = Data(pending[(last + 1)...])
            return complete.split(separator: 0x0a, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
    }
}
