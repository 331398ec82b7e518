import Shared

/// What `harmrank chaos` does to a running stack, and when: drawn from a seed, so a run that fails can be run again
/// exactly. Every fault that lasts (a broker down, added latency, a failing webhook) is ended within the schedule.
struct FaultSchedule {
    /// One thing done to the stack.
    enum Fault: Equatable, CustomStringConvertible {
        /// `kill -9` of an instance, which `harmrank` starts again; with `losingState`, on an empty data dir, as on a
        /// new host.
        case crash(instance: String, losingState: Bool)
        case brokerDown(Int32)
        case brokerUp(Int32)
        /// The next requests of a kind, from any client, answered with these errors.
        case failRequests(DevelopmentBroker.RequestKind, [DevelopmentBroker.InjectedError])
        /// Every response of the broker delayed by this much; 0 ends it.
        case latency(broker: Int32, milliseconds: Int)
        /// The webhook receiver answers 503 (true) or takes deliveries again (false).
        case webhookFailing(Bool)

        var description: String {
            switch self {
            case .crash(let instance, let losingState):
                "kill -9 \(instance)" + (losingState ? ", its data dir removed before it restarts" : "")
            case .brokerDown(let id): "broker \(id) down"
            case .brokerUp(let id): "broker \(id) up"
            case .failRequests(let kind, let errors):
                "the next \(errors.count) \(kind) requests fail: \(errors.map { "\($0)" }.joined(separator: ", "))"
            case .latency(let broker, 0): "broker \(broker) answers at its own pace again"
            case .latency(let broker, let milliseconds): "broker \(broker) answers \(milliseconds) ms late"
            case .webhookFailing(true): "the webhook receiver fails every delivery (503)"
            case .webhookFailing(false): "the webhook receiver takes deliveries again"
            }
        }
    }

    /// A fault at a time from the start of the schedule.
    struct Event: Equatable {
        let at: Duration
        let fault: Fault
    }

    /// The events, in time order.
    let events: [Event]

    /// Faults every few seconds over `duration`, striking `instances` (names as `harmrank up` gives them) and
    /// brokers 1...`brokers`.
    init(seed: UInt64, duration: Duration, instances: [String], brokers: Int32) {
        var random = SplitMix64(seed: seed)
        func seconds(_ range: ClosedRange<Int>) -> Duration { .seconds(range.lowerBound + random.below(range.count)) }
        var events: [Event] = []
        // What lasts ends before the next fault of its kind, and before the schedule does.
        var brokerDownUntil = Duration.zero, latencyUntil = Duration.zero, webhookUntil = Duration.zero
        var at = Duration.seconds(3)
        while at < duration {
            let roll = random.below(100)
            switch roll {
            case 0..<35:
                events.append(Event(at: at, fault: .crash(instance: instances[random.below(instances.count)], losingState: random.below(10) < 4)))
            case 35..<50 where brokers > 1 && at >= brokerDownUntil:
                let broker = Int32(1 + random.below(Int(brokers)))
                brokerDownUntil = min(at + seconds(2...8), duration)
                events += [Event(at: at, fault: .brokerDown(broker)), Event(at: brokerDownUntil, fault: .brokerUp(broker))]
            case 50..<70:
                let kind = DevelopmentBroker.RequestKind.allCases[random.below(DevelopmentBroker.RequestKind.allCases.count)]
                let possible = Self.errors(kind)
                let errors = (0...random.below(4)).map { _ in possible[random.below(possible.count)] }
                events.append(Event(at: at, fault: .failRequests(kind, errors)))
            case 70..<85 where at >= latencyUntil:
                let broker = Int32(1 + random.below(Int(brokers)))
                latencyUntil = min(at + seconds(3...10), duration)
                events += [
                    Event(at: at, fault: .latency(broker: broker, milliseconds: 50 + random.below(451))),
                    Event(at: latencyUntil, fault: .latency(broker: broker, milliseconds: 0)),
                ]
            case 85..<100 where at >= webhookUntil:
                webhookUntil = min(at + seconds(5...20), duration)
                events += [Event(at: at, fault: .webhookFailing(true)), Event(at: webhookUntil, fault: .webhookFailing(false))]
            default:
                // A lasting fault drawn while the last of its kind is still under way: a crash instead.
                events.append(Event(at: at, fault: .crash(instance: instances[random.below(instances.count)], losingState: false)))
            }
            at += seconds(2...7)
        }
        // Stable: a fault that ends at the moment another begins comes first, as it was drawn first.
        self.events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// The errors a client must ride out on each kind of request.
    static func errors(_ kind: DevelopmentBroker.RequestKind) -> [DevelopmentBroker.InjectedError] {
        switch kind {
        case .produce: [.notEnoughReplicas, .requestTimedOut, .notLeaderOrFollower, .disconnect]
        case .fetch: [.notLeaderOrFollower, .disconnect]
        case .offsetCommit: [.coordinatorNotAvailable, .rebalanceInProgress, .disconnect]
        case .joinGroup: [.coordinatorNotAvailable]
        case .heartbeat: [.rebalanceInProgress, .coordinatorNotAvailable]
        }
    }
}
