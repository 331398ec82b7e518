/// Maps strings that recur in the windows (crimeRefs, entity ids, victim ids, offence codes) to small integers,
/// counted by reference so that a name leaves memory with the last contribution that used it.
///
/// The index from name to id is an open-addressing table of ids alone (4 bytes a slot, linear probing), not a
/// `Dictionary`, which would keep a second copy of every name: at London scale that copy was the largest single
/// cost per contribution.
struct Interner<Name: Hashable & Sendable>: Sendable {
    private(set) var names: [Name?] = []
    private var references: [Int32] = []
    private var freeIDs: [Int32] = []
    /// Ids by hash position; -1 is empty. The size is a power of two, at most half full.
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private(set) var count = 0

    func id(of name: Name) -> Int32? {
        let slot = slot(of: name)
        return slots[slot] < 0 ? nil : slots[slot]
    }

    subscript(id: Int32) -> Name { names[Int(id)]! }

    /// The id of `name`, created if new, with one more reference.
    mutating func retain(_ name: Name) -> Int32 {
        let slot = slot(of: name)
        if slots[slot] >= 0 {
            references[Int(slots[slot])] += 1
            return slots[slot]
        }
        let id: Int32
        if let reused = freeIDs.popLast() {
            id = reused
            names[Int(id)] = name
            references[Int(id)] = 1
        } else {
            id = Int32(names.count)
            names.append(name)
            references.append(1)
        }
        slots[slot] = id
        count += 1
        if count * 2 > slots.count { rebuild(size: slots.count * 2) }
        return id
    }

    mutating func retain(id: Int32) { references[Int(id)] += 1 }

    mutating func release(_ id: Int32) {
        references[Int(id)] -= 1
        guard references[Int(id)] == 0 else { return }
        removeSlot(slot(of: names[Int(id)]!))
        names[Int(id)] = nil
        freeIDs.append(id)
        count -= 1
    }

    // MARK: Table

    private func home(of name: Name) -> Int { name.hashValue & (slots.count - 1) }

    /// The slot holding `name`, or the empty slot where it would go.
    private func slot(of name: Name) -> Int {
        let mask = slots.count - 1
        var slot = home(of: name)
        while slots[slot] >= 0, names[Int(slots[slot])] != name { slot = (slot + 1) & mask }
        return slot
    }

    /// Empties `slot` and moves later entries of its run back, so every entry stays reachable from its home
    /// (deletion without tombstones).
    private mutating func removeSlot(_ slot: Int) {
        let mask = slots.count - 1
        var hole = slot
        var next = (slot + 1) & mask
        while slots[next] >= 0 {
            let home = home(of: names[Int(slots[next])]!)
            // The entry may fill the hole when its home is not cyclically within (hole, next].
            if (next - home) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = -1
    }

    private mutating func rebuild(size: Int) {
        slots = Array(repeating: -1, count: size)
        let mask = size - 1
        for (id, name) in names.enumerated() {
            guard let name else { continue }
            var slot = home(of: name)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}
