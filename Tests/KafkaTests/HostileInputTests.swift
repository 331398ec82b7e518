import Foundation
import HarmRankKafka
import Shared
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Hostile records and hostile HTTP against the running stack: each answered with a precise error or a dead
/// letter, and the services still up and answering within a second after each.
@Suite(.serialized) struct HostileInputTests {
    static let token = "hostile-admin-0123456789"

    /// A connection that writes what it is given, as slowly or as oddly as a test wants.
    final class RawConnection {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw CocoaError(.fileReadUnknown) }
        }

        deinit { close(descriptor) }

        @discardableResult
        func write(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }

        /// What the server answered, up to `limit` bytes or until it closes or `timeout` passes.
        func answer(timeout: Duration = .seconds(5)) -> String {
            var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
        }
    }

    /// Whether the service answers `/health/live` within a second.
    static func answersWithinASecond(_ base: String) async -> Bool {
        var request = URLRequest(url: URL(string: base + "/health/live")!)
        request.timeoutInterval = 1
        return ((try? await URLSession.shared.data(for: request))?.1 as? HTTPURLResponse)?.statusCode == 200
    }

    @Test(.timeLimit(.minutes(5)))
    func hostileRecordsAndRequestsGetPreciseErrorsAndTheServicesStayUp() async throws {
        let stack = try await TestStack.start(token: Self.token, principal: "hostile.tester")
        defer { stack.stop() }
        let (rank, ingest, port) = (stack.base("RankService"), stack.base("IngestService"), stack.port)

        // Hostile records, one per line: each rejected with its reason and a detail naming the problem.
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let digits = "1" + String(repeating: "7", count: 399)
        let valid = #""crimeRef":"H-%@","version":1,"offenceCode":"8N","occurredAt":"2025-06-01T10:00:00Z","suspects":["HS-%@"]"#
        func record(_ name: String, _ extra: String) -> String { "{" + String(format: valid, name, name) + extra + "}" }
        let hostile: [(line: [UInt8], reason: String, detail: String)] = [
            (Array(record("deep", #","notes":\#(deep)"#).utf8), "malformed-json", "nested deeper"),
            (Array(#"{"crimeRef":"H-digits","version":\#(digits),"offenceCode":"8N","occurredAt":"2025-06-01T10:00:00Z"}"#.utf8), "invalid-value", "version must be a whole number"),
            (Array(#"{"crimeRef":"H-dup","crimeRef":"H-dup2","version":1}"#.utf8), "malformed-json", "duplicate key"),
            (Array(#"{"crimeRef":"H-nan","version":NaN,"offenceCode":"8N"}"#.utf8), "malformed-json", "unexpected character at byte 30"),
            (Array("{\"crimeRef\":\"H-ctl\u{01}\",\"version\":1}".utf8), "malformed-json", "control character"),
            (Array(record("top", #","ethnicity":"x""#).utf8), "protected-characteristic", "ethnicity"),
            (Array(record("nested", #","context":{"people":{"victim":{"religion":"x"}}}"#).utf8), "protected-characteristic", "religion"),
            (Array(record("array", #","context":[{"a":[{"sexualOrientation":"x"}]}]"#).utf8), "protected-characteristic", "sexualOrientation"),
        ]
        // Invalid UTF-8 inside a string: bytes no encoder writes.
        let invalidUTF8 = Array(#"{"crimeRef":"H-bad"#.utf8) + [0xFF, 0xFE] + Array(#"","version":1}"#.utf8)
        let lines = hostile + [(invalidUTF8, "malformed-json", "UTF-8")]
        let body = lines.map(\.line).joined(separator: [UInt8(ascii: "\n")])
        let answer = try await post(ingest + "/v1/offences", token: Self.token, body: Data(body))
        #expect(answer.status == 202, "\(String(decoding: answer.body, as: UTF8.self).prefix(2000))")
        let rejected = answer.json?["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.count == lines.count && answer.json?["accepted"] as? Int == 0, "\(answer.json ?? [:])")
        for (index, expected) in lines.enumerated() {
            let found = rejected.first { $0["index"] as? Int == index }
            #expect(found?["reason"] as? String == expected.reason, "line \(index): \(found ?? [:])")
            #expect((found?["detail"] as? String)?.contains(expected.detail) == true, "line \(index): \(found ?? [:])")
        }
        #expect(await Self.answersWithinASecond(ingest))
        // Each is a dead letter too, with its reason.
        let bootstrap = try stack.bootstrap()
        var letters: [KafkaMessage] = []
        #expect(await eventually(within: .seconds(30)) {
            letters = (try? await readTopic(TopicCatalogue().offencesRejected, bootstrap: bootstrap, count: lines.count)) ?? []
            return letters.count >= lines.count
        }, "\(letters.count) dead letters")
        let reasons = letters.compactMap { try? JSONSerialization.jsonObject(with: Data($0.value ?? [])) as? [String: Any] }
            .compactMap { $0["reason"] as? String }
        #expect(reasons.sorted() == lines.map(\.reason).sorted(), "\(reasons)")

        // A body over the limit: 413 naming it, before the rest is read.
        let huge = Data(repeating: UInt8(ascii: " "), count: 11_000_000)
        let tooLarge = try await post(ingest + "/v1/offences", token: Self.token, body: huge)
        #expect(tooLarge.status == 413 && tooLarge.json?["error"] as? String == "body-too-large", "\(tooLarge.status)")
        #expect(await Self.answersWithinASecond(ingest))

        // A slow sender: headers a byte at a time, and a body that never comes, while others are served.
        let slow = try RawConnection(port: port + 1)
        let stalled = try RawConnection(port: port + 1)
        stalled.write("POST /v1/offences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.token)\r\nContent-Length: 100000\r\n\r\n[")
        for byte in "POST /v1/offences HTTP/1.1\r\nHost: x\r\n" {
            slow.write(String(byte))
            #expect(await Self.answersWithinASecond(ingest))
            try await Task.sleep(for: .milliseconds(20))
        }
        // A flood of headers: refused, and the service carries on.
        let flood = try RawConnection(port: port)
        flood.write("GET /health/live HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-Flood: aaaaaaaaaaaaaaaaaaaa\r\n", count: 20_000) + "\r\n")
        let flooded = flood.answer()
        #expect(!flooded.hasPrefix("HTTP/1.1 200") && !flooded.hasPrefix("HTTP/1.1 5"), "\(flooded.prefix(200))")
        #expect(await Self.answersWithinASecond(rank))

        // Path tricks: never a file, never a 5xx, always the API's JSON error.
        for path in ["/v1/suspects/..%2F..%2Fetc%2Fpasswd", "/v1/suspects/..%2F", "/v1/lists/..%2F..%2Ftokens.txt", "/../../etc/passwd",
                     "/v1/wards/%00", "/v1/lists/vawg100%00.csv", "/%2e%2e/%2e%2e/audit.log"] {
            let answer = try await get(rank + path, token: Self.token)
            #expect([400, 404].contains(answer.status), "\(path): \(answer.status)")
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(!text.contains("root:") && !text.contains("developer") && !text.contains("\"principal\""), "\(path): \(text.prefix(200))")
        }
        #expect(await Self.answersWithinASecond(rank))
        #expect(await Self.answersWithinASecond(ingest))
        _ = slow
        _ = stalled
    }
}
