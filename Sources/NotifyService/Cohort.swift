import Shared
import Synchronization

/// The Dauntless+ list as NotifyService sees it, over every score partition it owns: who is in the top N now, and
/// the latest score of everyone listed (what an entered-cohort alert shows).
final class Cohort: Sendable {
    private struct State {
        var list = RankedList()
        var scores: [String: EntityScore] = [:]
    }

    let size: Int
    private let state = Mutex(State())

    init(size: Int) { self.size = size }

    func update(_ score: EntityScore) {
        let dauntless = Harm(hundredths: score.standing(in: .dauntless)?.score ?? 0)
        state.withLock { state in
            state.list.update(score.id, score: dauntless)
            state.scores[score.id] = dauntless == .zero ? nil : score
        }
    }

    func remove(_ suspects: some Sequence<String>) {
        state.withLock { state in
            for suspect in suspects {
                state.list.remove(suspect)
                state.scores[suspect] = nil
            }
        }
    }

    /// The top N now, with their scores.
    func top() -> [(id: String, score: EntityScore)] {
        state.withLock { state in
            state.list.entries(limit: size).compactMap { entry in state.scores[entry.id].map { (entry.id, $0) } }
        }
    }
}
