import Foundation
import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct IngestStepTests {
    let step = IngestStep(validator: Fixtures.validator(.event))
    let source = DeadLetter.Source.topic("harmrank.offences.raw", partition: 3, offset: 1187)

    func process(_ json: String, stored: OffenceRecord? = nil) -> IngestStep.Outcome {
        step.process(Array(json.utf8), from: source, receivedAt: Fixtures.received) { _ in stored }
    }

    func fields(of letter: DeadLetter) throws -> [String: JSONValue] {
        guard case .object(let members) = try JSONValue.parse(Array(letter.json.utf8)) else { return [:] }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
    }

    @Test func everyInputEndsInOneOutcome() {
        let first = #"{"crimeRef":"5000123/25","version":2,"offenceCode":"8N","occurredAt":"2025-05-30T21:00:00Z","suspects":["S1"]}"#
        guard case .accepted(let record, let changes) = process(first) else { Issue.record("not accepted"); return }
        #expect(changes.map(\.entity) == [EntityRef(.suspect, "S1")])
        #expect(process(first, stored: record) == .duplicate)
        #expect(process(first.replacingOccurrences(of: #""version":2"#, with: #""version":1"#), stored: record)
            == .stale(storedVersion: 2))
        let conflicting = first.replacingOccurrences(of: #""S1""#, with: #""S2""#)
        guard case .rejected(let letter) = process(conflicting, stored: record) else { Issue.record("accepted"); return }
        #expect(letter.rejection.reason == .versionConflict)
    }

    /// Within a batch each record is judged against the newest version before it, not only against the store.
    @Test func aBatchJudgesEachRecordAgainstTheVersionsBeforeIt() {
        let v1 = #"{"crimeRef":"5000123/25","version":1,"offenceCode":"8N","occurredAt":"2025-05-30T21:00:00Z","suspects":["S1"]}"#
        let v2 = v1.replacingOccurrences(of: #""version":1"#, with: #""version":2"#)
            .replacingOccurrences(of: #""S1""#, with: #""S2""#)
        let bad = #"{"crimeRef":"5000999/25","version":1}"#
        var lookups: [[String]] = []
        let outcomes = step.process([v1, v2, bad, v2, v1].map { (Array($0.utf8), source) }, receivedAt: Fixtures.received) {
            lookups.append($0)
            return [:]
        }
        guard outcomes.count == 5, case .accepted(_, let changes) = outcomes[1] else {
            Issue.record("\(outcomes)")
            return
        }
        #expect(changes.map(\.entity) == [EntityRef(.suspect, "S2"), EntityRef(.suspect, "S1")], "add S2, retract S1")
        guard case .rejected = outcomes[2] else { Issue.record("\(outcomes[2])"); return }
        #expect(outcomes[3] == .duplicate)
        #expect(outcomes[4] == .stale(storedVersion: 2))
        #expect(lookups == [["5000123/25"]], "the store is asked once for the batch, each valid crime once")
    }

    @Test func deadLetterCarriesReasonDetailSourceTimeAndPayload() throws {
        let payload = #"{"crimeRef":"5000123/25","version":1,"offenceCode":"ZZ9","occurredAt":"2025-05-30T21:00:00Z"}"#
        guard case .rejected(let letter) = process(payload) else { Issue.record("accepted"); return }
        let json = try fields(of: letter)
        #expect(json["reason"] == .string("unknown-offence-code"))
        #expect(json["detail"].map { "\($0)".contains("offenceCode") } == true)
        #expect(json["source"] == .string("harmrank.offences.raw/3/1187"))
        #expect(json["receivedAt"] == .string("2025-06-01T12:00:00.000Z"))
        #expect(json["payload"] == .string(payload))
    }

    /// HarmRank never stores a protected characteristic, not even in a dead letter: the field names stay so the
    /// sender can see what to remove, the values do not.
    @Test func protectedValuesNeverReachTheDeadLetter() throws {
        let payload = #"{"crimeRef":"5000123/25","version":1,"offenceCode":"8N","occurredAt":"2025-05-30T21:00:00Z","extra":{"victimEthnicity":"SECRET-A","notes":[{"religion":"SECRET-B"}]}}"#
        guard case .rejected(let letter) = process(payload) else { Issue.record("accepted"); return }
        #expect(letter.rejection.reason == .protectedCharacteristic)
        #expect(!letter.json.contains("SECRET"))
        let kept = try fields(of: letter)["payload"]
        #expect(kept == .string(#"{"crimeRef":"5000123/25","version":1,"offenceCode":"8N","occurredAt":"2025-05-30T21:00:00Z","extra":{"victimEthnicity":null,"notes":[{"religion":null}]}}"#))
    }

    @Test func payloadThatIsNotUTF8IsKeptAsBase64() throws {
        let payload: [UInt8] = [0x7B, 0xFF, 0x7D]
        let outcome = step.process(payload, from: .http, receivedAt: Fixtures.received) { _ in nil }
        guard case .rejected(let letter) = outcome else { Issue.record("accepted"); return }
        let json = try fields(of: letter)
        #expect(json["reason"] == .string("malformed-json"))
        #expect(json["source"] == .string("http"))
        #expect(json["payloadBase64"] == .string(Data(payload).base64EncodedString()))
    }

    @Test func jsonTextEscapesWhatJSONRequires() throws {
        let value = JSONValue.object([
            .init(key: "a\"b", value: .string("line\nbreak\u{1}\\ é")),
            .init(key: "n", value: .array([.number("1.50"), .bool(true), .null])),
        ])
        #expect(value.text == #"{"a\"b":"line\nbreak\u0001\\ é","n":[1.50,true,null]}"#)
        #expect(try JSONValue.parse(Array(value.text.utf8)) == value)
    }
}

extension IngestStep {
    /// One record; `stored` looks up the latest accepted version of a crime by crimeRef.
    func process(
        _ payload: [UInt8], from source: DeadLetter.Source, receivedAt: Instant, stored: (String) -> OffenceRecord?
    ) -> Outcome {
        process([(payload, source)], receivedAt: receivedAt) { crimeRefs in
            crimeRefs.reduce(into: [:]) { found, crimeRef in found[crimeRef] = stored(crimeRef) }
        }[0]
    }
}
