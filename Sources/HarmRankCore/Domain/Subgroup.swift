/// The Home Office offence subgroups a harm table row belongs to (CONTRACT.md section 2).
public enum Subgroup: String, CaseIterable, Sendable, Codable {
    case homicide
    case violenceWithInjury = "violence-with-injury"
    case violenceWithoutInjury = "violence-without-injury"
    case stalkingHarassment = "stalking-harassment"
    case deathInjuryDriving = "death-injury-driving"
    case rape
    case otherSexual = "other-sexual"
    case robberyPersonal = "robbery-personal"
    case robberyBusiness = "robbery-business"
    case burglaryResidential = "burglary-residential"
    case burglaryBusiness = "burglary-business"
    case theftPerson = "theft-person"
    case theftOther = "theft-other"
    case shoplifting
    case bicycleTheft = "bicycle-theft"
    case vehicle
    case criminalDamage = "criminal-damage"
    case arson
    case publicOrder = "public-order"
    case drugsPossession = "drugs-possession"
    case drugsTrafficking = "drugs-trafficking"
    case weaponsPossession = "weapons-possession"
    case misc
}
