import Foundation
import PropertyBased
import Testing

@testable import HarmRankCore
@testable import Shared

/// The hand-written JSON of score messages and the string fast path of the parser: what the services' throughput
/// rests on, checked against what it replaced.
@Suite struct MessageCodingTests {
    /// Random scores: any ids (escapes included), optional fields present or not.
    static func randomScore(_ random: inout SplitMix64) -> EntityScore {
        let alphabet = Array("aZ09/_.:-\"\\\n\té€") .map(String.init)
        func text() -> String { (0..<(1 + random.below(12))).map { _ in alphabet[random.below(alphabet.count)] }.joined() }
        func number() -> Int64 { Int64(random.below(2_000_000_000)) - 1_000_000_000 }
        let kind: EntityKind = random.below(2) == 0 ? .suspect : .ward
        return EntityScore(
            kind: kind, id: text(), sequence: number(), clock: Instant(milliseconds: number()),
            standings: HarmList.lists(of: kind).map { list in
                .init(
                    list: list, score: number(), offences: random.below(50),
                    lastOffenceAt: random.below(2) == 0 ? nil : Instant(milliseconds: number()),
                    components: random.below(2) == 0
                        ? nil
                        : .init(
                            harm: Harm(hundredths: number()), frequency: random.below(9),
                            gravity: Harm(hundredths: number()), recencyDays: number(), victims: random.below(5),
                            rfg: random.below(130)))
            },
            offences: (0..<random.below(6)).map { _ in
                .init(
                    crimeRef: text(), version: number(), offenceCode: text(), harm: number(),
                    occurredAt: Instant(milliseconds: number()), expiresAt: Instant(milliseconds: number()),
                    lists: ListSet(HarmList.scoredFromCrimes.filter { _ in random.below(2) == 0 }),
                    ward: random.below(2) == 0 ? nil : text())
            },
            withdrawn: random.below(2) == 0 ? nil : (0..<random.below(4)).map { _ in text() })
    }

    @Test func scoresReadBackAsWritten() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let score = Self.randomScore(&random)
            #expect((try? EntityScore.decode(score.json)) == score)
            // Valid JSON to any reader, not only to HarmRank's parser.
            #expect((try? JSONSerialization.jsonObject(with: Data(score.json))) != nil)
        }
    }

    @Test func aScoreWithoutOptionalFieldsOrWithNullsReads() throws {
        let json = #"{"kind":"ward","id":"E05000001","sequence":7,"clock":1000,"standings":[{"list":"stop-search-wards","score":0,"offences":0,"lastOffenceAt":null}],"offences":[]}"#
        let score = try EntityScore.decode(Array(json.utf8))
        #expect(score.standings == [.init(list: .stopSearchWards, score: 0, offences: 0, lastOffenceAt: nil, components: nil)])
        #expect(throws: (any Error).self) { try EntityScore.decode(Array(#"{"kind":"ward","id":"E1"}"#.utf8)) }
        #expect(throws: (any Error).self) {
            try EntityScore.decode(Array(json.replacingOccurrences(of: "stop-search-wards", with: "nonsense").utf8))
        }
    }

    /// Scores are read in order, field by field, not through `JSONValue`: another writer's layout (members in
    /// another order, whitespace, `\/` and `\u` escapes, fields HarmRank does not know) reads the same.
    @Test func scoresReadTheSameWhateverTheLayout() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let score = Self.randomScore(&random)
            var object = (try? JSONSerialization.jsonObject(with: Data(score.json))) as? [String: Any] ?? [:]
            object["addedLater"] = ["nested": [1.5, true, NSNull(), "x"]]
            let rewritten = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            #expect(rewritten.map { (try? EntityScore.decode(Array($0))) == score } ?? false)
        }
    }

    @Test func scoresOfTheWrongShapeAreRefused() throws {
        let json = #"{"kind":"ward","id":"E05000001","sequence":7,"clock":1000,"standings":[{"list":"stop-search-wards","score":0,"offences":0}],"offences":[]}"#
        #expect(try EntityScore.decode(Array(json.utf8)).sequence == 7)
        for (from, to) in [
            (#""sequence":7"#, #""sequence":7.0"#), (#""sequence":7"#, #""sequence":"7""#),
            (#""sequence":7"#, #""sequence":9223372036854775808"#), (#""clock":1000,"#, ""),
            (#""score":0"#, #""score":1e3"#), (#""kind":"ward""#, #""kind":"borough""#), ("}],", "}]"),
        ] {
            #expect(throws: JSONValue.SyntaxError.self, "\(to)") {
                try EntityScore.decode(Array(json.replacingOccurrences(of: from, with: to).utf8))
            }
        }
        #expect(throws: JSONValue.SyntaxError.self) { try EntityScore.decode(Array((json + " x").utf8)) }
        #expect(throws: JSONValue.SyntaxError.self) { try EntityScore.decode(Array(json.utf8).dropLast()) }
    }

    @Test func wholeNumbersReadToTheEdgesOf64Bits() throws {
        for (text, expected) in [("0", Int64(0)), ("-0", 0), ("9223372036854775807", .max), ("-9223372036854775808", .min), (" 42", 42)] {
            var reader = try JSONReader(Array(text.utf8))
            #expect(try reader.readInteger() == expected)
        }
        for text in ["9223372036854775808", "-9223372036854775809", "1.0", "1e2", "-", "01", "x"] {
            #expect(throws: JSONValue.SyntaxError.self, "\(text)") {
                var reader = try JSONReader(Array(text.utf8))
                _ = try reader.readInteger()
                try reader.readEnd()
            }
        }
    }

    @Test func stringsWithAndWithoutEscapesParse() throws {
        let cases: [(String, String)] = [
            (#""plain""#, "plain"), (#""""#, ""), (#""tab\there""#, "tab\there"), (#""\u00e9t\u00e9""#, "été"),
            (#""é then \"quoted\" then \\""#, "é then \"quoted\" then \\"), (#""\ud83d\ude00 ok""#, "😀 ok"),
        ]
        for (text, expected) in cases { #expect(try JSONValue.parse(Array(text.utf8)) == .string(expected)) }
        for broken in [#""unterminated"#, "\"control\u{01}\"", #""bad \q escape""#] {
            #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(broken.utf8)) }
        }
    }

    /// Random text with every character JSON escapes, non-ASCII and a combining mark right after a quote: written
    /// as JSON, by `JSONValue` or by the messages' `JSONWriter`, it reads back the same, and is exactly what
    /// escaping scalar by scalar gives.
    @Test func stringsAreWrittenWithExactlyTheEscapesJSONRequires() async {
        let alphabet: [String] = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
            + ["a", "Z", "0", " ", "/", "\"", "\\", "é", "€", "😀", "\"\u{301}", "{\"k\":1}"]
        func escapedScalarByScalar(_ value: String) -> String {
            "\"" + value.unicodeScalars.map { scalar -> String in
                switch scalar {
                case "\"": "\\\""
                case "\\": "\\\\"
                case "\n": "\\n"
                case "\r": "\\r"
                case "\t": "\\t"
                case _ where scalar.value < 0x20: String(format: "\\u%04x", scalar.value)
                default: String(scalar)
                }
            }.joined() + "\""
        }
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let value = (0..<random.below(40)).map { _ in alphabet[random.below(alphabet.count)] }.joined()
            let text = JSONValue.string(value).text
            #expect(text == escapedScalarByScalar(value))
            #expect((try? JSONValue.parse(Array(text.utf8))) == .string(value))
            var writer = JSONWriter()
            writer.array { array in array.element(value) }
            #expect(String(decoding: writer.bytes, as: UTF8.self) == "[\(escapedScalarByScalar(value))]")
        }
    }
}

extension MessageCodingTests {
    /// A snapshot that lacks a field is refused by name, not read with a default.
    @Test func aSnapshotWithoutItsEntriesIsRefusedNamingWhatItNeeds() {
        let json = #"{"diff":{"entered":[],"left":[],"moved":[]},"entity":"suspect","list":"vawg100","schema":1,"version":3}"#
        #expect {
            try RankingMessage.decode(Array(json.utf8))
        } throws: { error in
            "\(error)".contains("schema, list, entity, version, entries and diff")
        }
        let score = #"{"diff":{"entered":[],"left":[],"moved":[]},"entity":"s","entries":[{"id":"A","rank":1,"score":"12"}],"list":"l","schema":1,"version":3}"#
        #expect(throws: JSONValue.SyntaxError.self) { try RankingMessage.decode(Array(score.utf8)) }
    }
}

extension MessageCodingTests {
    @Test func linksAndRankingsReadBackAsWritten() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let score = Self.randomScore(&random)
            let link = CrimeLink(
                crimeRef: score.id, version: score.sequence, offenceCode: score.id + "x", harm: Harm(hundredths: score.sequence),
                lists: ListSet(rawValue: UInt8(random.below(16))), occurredAt: score.clock,
                victims: score.offences.map(\.crimeRef), ward: score.offences.first?.ward)
            #expect((try? LinkMessage.link(from: LinkMessage.payload(link))) == link)

            func snapshot(_ version: Int64) -> TopSnapshot {
                TopSnapshot(
                    version: version,
                    entries: (0..<random.below(8)).map { rank in
                        RankedList.Entry(rank: rank + 1, id: "S\(rank)", score: Harm(hundredths: Int64(random.below(1_000_000))))
                    })
            }
            let message = RankingMessage(
                list: "vawg100", entity: "suspect", asOf: random.below(2) == 0 ? nil : score.clock, snapshot: snapshot(2),
                previous: snapshot(1))
            // The public message reads back as written, and any JSON reader takes it, keys sorted as the API writes them.
            #expect((try? RankingMessage.decode(message.json)) == message)
            let keys = (try? JSONSerialization.jsonObject(with: Data(message.json)) as? [String: Any])?.keys.sorted()
            #expect(keys == (message.asOf == nil ? [] : ["asOf"]) + ["diff", "entity", "entries", "list", "schema", "version"])
        }
    }
}

extension MessageCodingTests {
    @Test func aBatchKeepsEveryNewScoreInOrderAndCountsTheRest() {
        let topics = TopicCatalogue(prefix: "harmrank.")
        func message(_ id: String, _ sequence: Int64, offset: Int64) -> KafkaMessage {
            let score = EntityScore(
                kind: .suspect, id: id, sequence: sequence, clock: Instant(milliseconds: 0),
                standings: [.init(list: .violenceHarm, score: 100, offences: 1, lastOffenceAt: nil, components: nil)],
                offences: [
                    .init(crimeRef: "C-\(id)", version: 1, offenceCode: "8N", harm: 100, occurredAt: Instant(milliseconds: 0),
                          expiresAt: Instant(milliseconds: Instant.days(365)), lists: ListSet([.violenceHarm]))
                ])
            let outgoing = score.outgoing(topics: topics, partition: 0)
            return KafkaMessage(
                topic: outgoing.topic, partition: 0, offset: offset, key: outgoing.key, value: outgoing.value,
                headers: outgoing.headers, timestampMilliseconds: nil)
        }
        let messages = [
            message("S9", 3, offset: 9), message("S1", 4, offset: 10), message("S2", 5, offset: 11),
            message("S1", 6, offset: 12),
            KafkaMessage(topic: topics.scoresSuspect, partition: 0, offset: 13, key: Array("S4".utf8), value: Array("{".utf8), headers: [], timestampMilliseconds: nil),
            message("S3", 2, offset: 14), message("S2", 8, offset: 15),
        ]
        let batch = ScoreBatch(messages[...], after: 3)
        #expect(batch.scores.map { "\($0.score.id)@\($0.score.sequence)" } == ["S1@4", "S2@5", "S1@6", "S2@8"])
        #expect(batch.scores.map(\.json) == [1, 2, 3, 6].map { messages[$0].value! }, "each score keeps its JSON as received")
        #expect(batch.appliedSequence == 8)
        #expect(batch.counted == ["repeat": 2, "score": 4, "unreadable": 1])
        #expect(batch.unreadable == [13])
    }

    /// A suspect left with nothing counting goes as a tombstone, which erases their last score from the compacted
    /// topic, and reads back as the empty score it stands for.
    @Test func aSuspectWithNothingCountingIsATombstoneReadAsAnEmptyScore() throws {
        let topics = TopicCatalogue(prefix: "harmrank.")
        let empty = EntityScore.nothingCounting(suspect: "S7", sequence: 41, clock: Instant(milliseconds: 1_700_000_000_000))
        #expect(empty.standings.map(\.list) == [.vawg100, .violenceHarm, .dauntless] && empty.standings.allSatisfy { $0.score == 0 })
        let outgoing = empty.outgoing(topics: topics, partition: 3)
        #expect(outgoing.value == nil && outgoing.key == Array("S7".utf8) && outgoing.topic == topics.scoresSuspect)
        let received = KafkaMessage(
            topic: outgoing.topic, partition: 3, offset: 0, key: outgoing.key, value: nil, headers: outgoing.headers,
            timestampMilliseconds: nil)
        #expect(try EntityScore.decode(received) == empty)
        #expect(ScoreBatch([received][...], after: 40).scores.map(\.score) == [empty])
        let bare = KafkaMessage(
            topic: outgoing.topic, partition: 3, offset: 1, key: outgoing.key, value: nil, headers: [], timestampMilliseconds: nil)
        #expect(ScoreBatch([bare][...], after: 0).unreadable == [1], "a tombstone HarmRank did not write is unreadable")
        // A place is never one: its score changes travel on a topic kept by time, not compacted.
        let place = EntityScore(kind: .ward, id: "E05000001", sequence: 1, clock: empty.clock, standings: [], offences: [])
        #expect(place.outgoing(topics: topics, partition: 0).value != nil)
    }

    @Test func aForgottenCrimesLinkIsATombstoneWithoutAVersion() {
        let topics = TopicCatalogue(prefix: "harmrank.")
        for entity in [EntityRef(.suspect, "S1"), EntityRef(.ward, "E05000001"), EntityRef(.cell, "530000_180000")] {
            let outgoing = LinkMessage.outgoing(forgetting: entity, crimeRef: "C9", topics: topics, partitionCount: 12)
            #expect(outgoing.value == nil && outgoing.key == Array("\(entity.id)|C9".utf8))
            let received = KafkaMessage(
                topic: outgoing.topic, partition: outgoing.partition ?? 0, offset: 0, key: outgoing.key, value: nil,
                headers: outgoing.headers, timestampMilliseconds: nil)
            let kind = LinkMessage.kind(of: outgoing.topic, in: topics)!
            guard case .success(.forgotten(let read, let crimeRef)) = LinkMessage.decode(received, kind: kind) else {
                Issue.record("\(entity) did not read back as forgotten")
                continue
            }
            #expect(read == entity && crimeRef == "C9")
        }
    }

    @Test func aChangeReplacesAndWithdrawsOnlyTheCrimesItNames() {
        func offence(_ crimeRef: String, version: Int64 = 1, day: Int64) -> EntityScore.Offence {
            .init(
                crimeRef: crimeRef, version: version, offenceCode: "28E", harm: 100, occurredAt: Instant(milliseconds: day),
                expiresAt: Instant(milliseconds: day + 1), lists: ListSet([.violenceHarm]))
        }
        func score(_ offences: [EntityScore.Offence], withdrawn: [String]? = nil) -> EntityScore {
            EntityScore(
                kind: .ward, id: "E05000001", sequence: 1, clock: Instant(milliseconds: 0), standings: [],
                offences: offences, withdrawn: withdrawn)
        }
        let held = score([offence("C3", day: 30), offence("C2", day: 20), offence("C1", day: 10)])
        let change = score([offence("C4", day: 25), offence("C1", version: 2, day: 10)], withdrawn: ["C2", "C9"])
        #expect((try? EntityScore.decode(change.json)) == change)
        #expect(change.applied(to: held) == score([offence("C3", day: 30), offence("C4", day: 25), offence("C1", version: 2, day: 10)]))
        #expect(change.applied(to: nil) == score([offence("C4", day: 25), offence("C1", version: 2, day: 10)]))
        // A complete score stands as it is, and reads back as complete.
        #expect(held.applied(to: change) == held)
        #expect((try? EntityScore.decode(held.json))?.isChange == false)
    }

    /// Changelog messages read back as written, whichever optional fields a crime has; a tombstone is a forgotten
    /// crime, and the progress key holds the counts.
    @Test func crimeChangelogMessagesReadBackAsWritten() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            func maybe<T>(_ value: T) -> T? { random.below(2) == 0 ? nil : value }
            let record = OffenceRecord(
                crimeRef: "CR-\(random.below(1_000))/25", version: Int64(random.below(9)),
                status: random.below(2) == 0 ? .recorded : .cancelled, offenceCode: maybe("8N"),
                occurredAt: Instant(milliseconds: Int64(random.below(2_000_000_000_000))),
                reportedAt: maybe(Instant(milliseconds: Int64(random.below(2_000_000_000_000)))), wardCode: maybe("E05000026"),
                location: maybe(.init(latitude: 51.5 + Double(random.below(1_000)) / 7_919, longitude: -0.1)),
                flags: OffenceRecord.Flags(rawValue: UInt8(random.below(4))), suspects: ["S-\"1\"", "S-é"],
                victims: random.below(2) == 0 ? [] : ["V-1"])
            let progress = ChangelogProgress(
                nextOffset: Int64(random.below(1_000_000)), clock: maybe(Instant(milliseconds: 1_700_000_000_000)),
                outcomes: ["accepted": random.below(100), "rejected": random.below(3)])
            let offset = Int64(random.below(1_000_000))
            for sent in [CrimeChangelogMessage.crime(record, offset: offset), .forgotten(crimeRef: record.crimeRef), .progress(progress)] {
                let outgoing = sent.outgoing(topic: "harmrank.crimes.changelog", partition: 3)
                #expect(outgoing.partition == 3)
                let read = KafkaMessage(
                    topic: outgoing.topic, partition: 3, offset: 0, key: outgoing.key, value: outgoing.value, headers: [],
                    timestampMilliseconds: nil)
                #expect((try? CrimeChangelogMessage.decode(read)) == sent)
            }
        }
    }

    /// Every fact on `alerts.changelog` reads back as written, each under a key of its own; a message of
    /// another kind is refused by name.
    @Test func alertChangelogFactsReadBackAsWrittenUnderKeysOfTheirOwn() throws {
        let alert = Alert(
            id: "a1", suspect: "S1", kind: .newVictim, raisedAt: "2025-06-01T00:00:00.000Z", score: 12.5, components: nil,
            crimes: [.init(crimeRef: "CR-1", offenceCode: "8N", cchiDays: 10, occurredAt: "2025-05-30T10:00:00.000Z")],
            units: ["central-north", "north"])
        let at = Instant(milliseconds: 1_750_000_000_123)
        let facts: [AlertChangelogMessage] = [
            .alert(alert), .delivered(alertId: "a1", url: "https://unit.example/hook", at: at),
            .acknowledged(alertId: "a1", by: "sergeant.lee", at: at),
            .assigned(alertId: "a1", assignee: "pc.khan", by: "sergeant.lee", at: at),
            .closed(alertId: "a1", outcome: .safeguardingReferral, note: "referred to the IDVA", by: "pc.khan", at: at),
            .closed(alertId: "a1", outcome: .noFurtherAction, note: nil, by: "sergeant.lee", at: at),
        ]
        let messages = facts.map { $0.outgoing(topic: "t") }
        #expect(messages.map { String(decoding: $0.key ?? [], as: UTF8.self) }
            == ["a1", "a1/delivered/https://unit.example/hook", "a1/acknowledged/sergeant.lee", "a1/assigned/sergeant.lee",
                "a1/closed/pc.khan", "a1/closed/sergeant.lee"])
        #expect(try messages.map { try AlertChangelogMessage.decode($0.value ?? []) } == facts)
        #expect(throws: JSONValue.FieldError.self) { try AlertChangelogMessage.decode(Array(#"{"other":1}"#.utf8)) }
        #expect(throws: (any Error).self) {
            try AlertChangelogMessage.decode(Array(#"{"closed":{"alertId":"a1","by":"x","outcome":"shrug","at":"2025-06-01T00:00:00Z"}}"#.utf8))
        }
    }

    /// An alert stored or published before alerts had units and steps reads as open and routed nowhere; one written
    /// now carries its units, status and version.
    @Test func alertsReadWithOrWithoutUnitsAndSteps() throws {
        let old = #"{"id":"a1","suspect":"S1","kind":"escalation","raisedAt":"2025-06-01T00:00:00.000Z","score":1,"crimes":[],"status":"open"}"#
        let read = try JSONDecoder().decode(Alert.self, from: Data(old.utf8))
        #expect(read.units == [] && read.status == .open && read.version == 1)
        var alert = read
        alert.units = ["north"]
        alert.status = .assigned
        alert.assignee = "pc.khan"
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder.api.encode(alert)) as? [String: Any]
        #expect(json?["version"] as? Int == 3 && json?["status"] as? String == "assigned" && json?["units"] as? [String] == ["north"])
        #expect(try JSONDecoder().decode(Alert.self, from: try JSONEncoder.api.encode(alert)) == alert)
    }
}
