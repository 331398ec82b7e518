import Foundation

/// libFuzzer's entry point: every input is taken as the body of one offence record and goes through the JSON
/// parser and the validator, as IngestService takes a record. A crash, a hang or a leak of memory is a finding;
/// a rejection is the expected answer to nearly every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOffenceValidation(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if case .success(let document) = Result(catching: { () throws(JSONValue.SyntaxError) in try JSONValue.parse(bytes) }) {
        // What parses must write back as text that parses to the same document.
        precondition((try? JSONValue.parse(Array(document.text.utf8))) == document, "a document does not survive its own text")
    }
    switch FuzzedValidation.validator.validate(bytes, receivedAt: FuzzedValidation.receivedAt) {
    case .success(let record):
        precondition(!record.crimeRef.isEmpty, "a record was accepted without a crimeRef")
    case .failure(let rejection):
        precondition(!rejection.detail.isEmpty, "a rejection without a detail: \(rejection.reason)")
    }
    return 0
}

/// The validator as the services build it, from the shipped harm table and wards.
enum FuzzedValidation {
    static let validator = OffenceValidator(harmTable: try! .shipped(), wards: try! .shipped(), clockMode: .event)
    static let receivedAt = Instant(milliseconds: 1_765_000_000_000)
}
