/// The victims of the contributions in the windows, which Dauntless+ counts distinctly. Nearly every crime has
/// one victim or none, so a contribution names them in one integer (`VictimRef`) rather than an array of its
/// own: the contribution stays plain data, cheap to copy and 32 bytes wide.
struct VictimStore: Sendable {
    private var names = Interner<String>()
    /// Victim ids of contributions with two or more victims, by slot.
    private var groups: [[Int32]] = []
    private var freeGroups: [Int32] = []

    /// Interns `victims` (one more reference to each) and names them; `previous`, the victims of the version
    /// being replaced, lends its ids when they are the same, which spares hashing them again.
    mutating func store(_ victims: [String], sameAs previous: VictimRef?) -> VictimRef {
        if let previous, ref(previous, names: victims) {
            guard previous.isGroup else {
                if previous != .none { names.retain(id: previous.rawValue) }
                return previous
            }
            let ids = groups[previous.group]
            for id in ids { names.retain(id: id) }
            return group(ids)
        }
        switch victims.count {
        case 0: return .none
        case 1: return VictimRef(rawValue: names.retain(victims[0]))
        default: return group(victims.map { names.retain($0) })
        }
    }

    mutating func release(_ ref: VictimRef) {
        guard ref.isGroup else {
            if ref != .none { names.release(ref.rawValue) }
            return
        }
        // Iterating a copy: a closure over `forEach` would make the mutation below copy the whole store.
        let ids = groups[ref.group]
        for id in ids { names.release(id) }
        groups[ref.group] = []
        freeGroups.append(Int32(ref.group))
    }

    func forEach(in ref: VictimRef, _ body: (Int32) -> Void) {
        if ref.isGroup {
            for id in groups[ref.group] { body(id) }
        } else if ref != .none {
            body(ref.rawValue)
        }
    }

    func contains(_ id: Int32, in ref: VictimRef) -> Bool {
        ref.isGroup ? groups[ref.group].contains(id) : ref.rawValue == id
    }

    func names(of ref: VictimRef) -> [String] {
        var result: [String] = []
        forEach(in: ref) { result.append(names[$0]) }
        return result
    }

    private func ref(_ ref: VictimRef, names victims: [String]) -> Bool {
        if ref.isGroup {
            return groups[ref.group].count == victims.count
                && zip(groups[ref.group], victims).allSatisfy { names[$0] == $1 }
        }
        return ref == .none ? victims.isEmpty : victims.count == 1 && names[ref.rawValue] == victims[0]
    }

    private mutating func group(_ ids: [Int32]) -> VictimRef {
        if let slot = freeGroups.popLast() {
            groups[Int(slot)] = ids
            return VictimRef(group: Int(slot))
        }
        groups.append(ids)
        return VictimRef(group: groups.count - 1)
    }
}

/// A contribution's victims: none (-1), one victim's id (0 or more), or a group slot (-2 and below).
struct VictimRef: Equatable, Sendable {
    let rawValue: Int32

    static let none = VictimRef(rawValue: -1)

    init(rawValue: Int32) { self.rawValue = rawValue }
    init(group slot: Int) { rawValue = -2 - Int32(slot) }

    var isGroup: Bool { rawValue <= -2 }
    var group: Int { Int(-2 - rawValue) }
}
