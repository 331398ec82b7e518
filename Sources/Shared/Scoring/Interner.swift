/// Maps strings that recur in the windows (crimeRefs, entity ids, victim ids, offence codes) to small integers,
/// counted by reference so that a name leaves memory with the last contribution that used it.
struct Interner<Name: Hashable & Sendable>: Sendable {
    private var idByName: [Name: Int32] = [:]
    private(set) var names: [Name?] = []
    private var references: [Int32] = []
    private var freeIDs: [Int32] = []

    var count: Int { idByName.count }

    func id(of name: Name) -> Int32? { idByName[name] }

    subscript(id: Int32) -> Name { names[Int(id)]! }

    /// The id of `name`, created if new, with one more reference.
    mutating func retain(_ name: Name) -> Int32 {
        if let id = idByName[name] {
            references[Int(id)] += 1
            return id
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
        idByName[name] = id
        return id
    }

    mutating func retain(id: Int32) { references[Int(id)] += 1 }

    mutating func release(_ id: Int32) {
        references[Int(id)] -= 1
        guard references[Int(id)] == 0 else { return }
        idByName[names[Int(id)]!] = nil
        names[Int(id)] = nil
        freeIDs.append(id)
    }
}
