/// What a service does when a partition's state was built on another incarnation of its topic than the one the
/// broker holds now (`--on-new-topic`, `HARMRANK_ON_NEW_TOPIC`).
public enum NewTopicPolicy: String, Sendable, CaseIterable {
    /// Stop with an error naming the partition, both offsets and the ways out. On a real cluster a topic that was
    /// deleted and created again, or restored with other offsets, means the state may not belong to its data.
    case fail
    /// Keep the state and read the new log from its beginning. Right for the embedded broker, whose logs are new at
    /// every start while the state on disk stays valid: only the transport is new.
    case keepState = "keep-state"
}
