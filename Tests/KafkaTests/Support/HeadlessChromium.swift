import Foundation

/// A real headless Chromium driven over the DevTools protocol, for tests that act in a page (click, wait for the
/// page to change). The protocol runs over `--remote-debugging-pipe`: JSON messages ending in NUL, read from file
/// descriptor 3 and written to 4, here two named pipes (this Foundation's URLSession has no WebSocket client).
final class HeadlessChromium: @unchecked Sendable {
    private let process = Process()
    private let commands: FileHandle
    private let replies: FileHandle
    private var buffer = Data()
    private var nextID = 0
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-chromium-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let input = directory.appendingPathComponent("in").path, output = directory.appendingPathComponent("out").path
        guard mkfifo(input, 0o600) == 0, mkfifo(output, 0o600) == 0 else { throw Failure("mkfifo failed") }
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            "exec chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1000 "
                + "--user-data-dir='\(directory.appendingPathComponent("profile").path)' --remote-debugging-pipe "
                + "about:blank 3<'\(input)' 4>'\(output)' 2>/dev/null",
        ]
        try process.run()
        // Opening a named pipe waits for its other end: the shell opens `in`, then `out`, in that order.
        guard let commands = FileHandle(forWritingAtPath: input), let replies = FileHandle(forReadingAtPath: output) else {
            throw Failure("cannot open the DevTools pipes")
        }
        (self.commands, self.replies) = (commands, replies)
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends a command and returns its result, skipping the events that arrive meanwhile.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], session: String? = nil) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        commands.write(try JSONSerialization.data(withJSONObject: message) + Data([0]))
        while true {
            let reply = try next()
            guard reply["id"] as? Int == nextID else { continue }
            if let error = reply["error"] { throw Failure("\(method): \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func next() throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                return try JSONSerialization.jsonObject(with: message) as? [String: Any] ?? [:]
            }
            let chunk = replies.availableData
            guard !chunk.isEmpty else { throw Failure("Chromium closed the DevTools pipe") }
            buffer.append(chunk)
        }
    }

    /// A page open at `url`: a session for the commands that act in it.
    func open(_ url: String) throws -> String {
        let target = try call("Target.createTarget", ["url": "about:blank"])["targetId"] as! String
        let session = try call("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as! String
        try call("Runtime.enable", session: session)
        try call("Page.navigate", ["url": url], session: session)
        return session
    }

    /// The value of a JavaScript expression in the page (awaited if it is a promise).
    @discardableResult
    func evaluate(_ expression: String, in session: String) throws -> Any? {
        let result = try call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true], session: session)
        if let exception = result["exceptionDetails"] { throw Failure("\(expression): \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `expression` is true in the page.
    func waitFor(_ expression: String, in session: String, within timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? evaluate(expression, in: session)) as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    func screenshot(_ session: String, to file: URL) throws {
        let data = try call("Page.captureScreenshot", ["format": "png"], session: session)["data"] as? String ?? ""
        try Data(base64Encoded: data)?.write(to: file)
    }
}
