/// A rejected record on `offences.rejected` (public): key crimeRef when the record named one, value the dead
/// letter's JSON.
public enum DeadLetterMessage {
    public static func outgoing(_ deadLetter: DeadLetter, topics: TopicCatalogue) -> OutgoingMessage {
        OutgoingMessage(topic: topics.offencesRejected, key: nil, value: Array(deadLetter.json.utf8))
    }
}
