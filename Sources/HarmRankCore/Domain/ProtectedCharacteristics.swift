/// Recognises field names that carry a protected characteristic (Equality Act 2010) or nationality, so that a
/// record holding one is refused whatever else it holds and wherever the field is nested.
///
/// A key is split into words (camelCase, snake_case, kebab-case, dots): `suspectEthnicity`, `victim_gender` and
/// `sexual-orientation` are all caught. Whole keys are also matched after removing separators, for names that are
/// phrases (`dateOfBirth`, `immigrationStatus`).
public enum ProtectedCharacteristics {
    static let words: Set<String> = [
        "ethnicity", "ethnic", "race", "racial", "nationality", "citizenship", "religion", "religious", "faith",
        "belief", "sex", "gender", "disability", "disabled", "age", "dob", "pregnancy", "pregnant", "maternity",
        "transgender", "orientation", "sexuality", "immigration", "asylum",
    ]

    static let phrases: Set<String> = [
        "sexualorientation", "immigrationstatus", "dateofbirth", "birthdate", "countryofbirth", "placeofbirth",
        "birthplace", "maritalstatus", "civilpartnership", "genderreassignment", "genderidentity", "ethnicappearance",
        "selfdefinedethnicity", "officerdefinedethnicity", "ethnicgroup", "religionorbelief", "visastatus",
    ]

    /// Whether a field of this name would hold a protected characteristic, whatever its case and separators.
    public static func isProtected(fieldName: String) -> Bool {
        knownUnprotected.contains(fieldName) ? false : classify(fieldName)
    }

    /// The record schema's own names, classified once rather than in every record.
    private static let knownUnprotected = OffenceValidator.fields.filter { !classify($0) }

    private static func classify(_ fieldName: String) -> Bool {
        var normalised = ""
        var words: [String] = []
        var word = ""
        var previousWasLowercase = false
        for character in fieldName {
            if character.isLetter || character.isNumber {
                if character.isUppercase && previousWasLowercase {
                    words.append(word)
                    word = ""
                }
                let lower = character.lowercased()
                word += lower
                normalised += lower
                previousWasLowercase = character.isLowercase || character.isNumber
            } else {
                words.append(word)
                word = ""
                previousWasLowercase = false
            }
        }
        words.append(word)
        return phrases.contains(normalised) || words.contains(where: self.words.contains)
    }

    /// The path of the first protected field in `value`, such as `extra.victim[0].gender`, or nil.
    public static func firstProtectedPath(in value: JSONValue) -> String? {
        // Every record is searched and almost none holds such a field: the path is written only once one is found.
        guard let steps = firstProtectedSteps(in: value) else { return nil }
        return steps.reversed().reduce(into: "") { path, step in
            switch step {
            case .member(let key): path += path.isEmpty ? key : ".\(key)"
            case .element(let index): path += "[\(index)]"
            }
        }
    }

    private enum Step {
        case member(String)
        case element(Int)
    }

    /// The steps to the first protected field, innermost first.
    private static func firstProtectedSteps(in value: JSONValue) -> [Step]? {
        switch value {
        case .object(let members):
            for member in members {
                if isProtected(fieldName: member.key) { return [.member(member.key)] }
                if let nested = firstProtectedSteps(in: member.value) { return nested + [.member(member.key)] }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let nested = firstProtectedSteps(in: element) { return nested + [.element(index)] }
            }
        default: break
        }
        return nil
    }

    /// `value` with the value of every protected field replaced by null, at any depth: what a dead letter may keep
    /// of a refused record, since HarmRank never stores such data. The field names stay, so the sender can see
    /// what to remove.
    public static func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            .object(
                members.map { member in
                    JSONValue.Member(
                        key: member.key, value: isProtected(fieldName: member.key) ? .null : redacted(member.value))
                })
        case .array(let elements): .array(elements.map(redacted))
        default: value
        }
    }
}
