import Foundation
import JWTKit

/// The claims HarmRank reads from an identity provider's token: expiry, not-before, issuer, audience, who the caller
/// is and the roles they hold. The roles and the name sit under claims the force configures (`--roles-claim`,
/// `--principal-claim`), a dotted path reaching into nested objects as Keycloak's `realm_access.roles` does;
/// the decoder is told them through its `userInfo`. Public so that a test or a development tool can issue tokens
/// laid out as a provider's are.
public struct IdentityClaims: JWTPayload {
    static let rolesPathKey = CodingUserInfoKey(rawValue: "harmrank.jwt.rolesClaim")!
    static let principalPathKey = CodingUserInfoKey(rawValue: "harmrank.jwt.principalClaim")!

    /// When the token stops being valid (`exp`).
    public var expiration: ExpirationClaim
    /// When the token starts being valid (`nbf`), if it says.
    public var notBefore: NotBeforeClaim?
    /// Who issued the token (`iss`).
    public var issuer: IssuerClaim?
    /// Whom the token is meant for (`aud`).
    public var audience: AudienceClaim?
    /// The principal claim's value, else `preferred_username`'s, or nil when the token has neither.
    public var principal: String?
    /// The roles claim's values: an array of strings, or one string of values separated by spaces or commas (as
    /// `scope` is). Values that name no HarmRank role are the identity provider's own, and ignored.
    public var roles: [String]
    /// Where the roles are written when the claims are encoded: the roles claim's path, split at its dots.
    public var rolesPath: [String]
    /// Where the principal is written when the claims are encoded.
    public var principalPath: [String]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Leeway for clocks that disagree a little between the identity provider and this host.
    static let clockSkew: TimeInterval = 60

    /// Claims for a token that expires at `expiration`, naming `principal` with `roles`.
    public init(
        expiration: Date, notBefore: Date? = nil, issuer: String?, audience: [String]?, principal: String?,
        roles: [String], rolesPath: [String] = ["roles"], principalPath: [String] = ["sub"]
    ) {
        self.expiration = ExpirationClaim(value: expiration)
        self.notBefore = notBefore.map { NotBeforeClaim(value: $0) }
        self.issuer = issuer.map { IssuerClaim(value: $0) }
        self.audience = audience.map { AudienceClaim(value: $0) }
        self.principal = principal
        self.roles = roles
        self.rolesPath = rolesPath
        self.principalPath = principalPath
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        expiration = try container.decode(ExpirationClaim.self, forKey: Key("exp"))
        notBefore = try container.decodeIfPresent(NotBeforeClaim.self, forKey: Key("nbf"))
        issuer = try container.decodeIfPresent(IssuerClaim.self, forKey: Key("iss"))
        audience = try container.decodeIfPresent(AudienceClaim.self, forKey: Key("aud"))
        rolesPath = decoder.userInfo[Self.rolesPathKey] as? [String] ?? ["roles"]
        principalPath = decoder.userInfo[Self.principalPathKey] as? [String] ?? ["sub"]
        if let (parent, last) = try Self.container(container, at: rolesPath), parent.contains(Key(last)) {
            if let values = try? parent.decode([String].self, forKey: Key(last)) {
                roles = values
            } else {
                roles = try parent.decode(String.self, forKey: Key(last))
                    .split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            }
        } else {
            roles = []
        }
        if let (parent, last) = try Self.container(container, at: principalPath) {
            principal = try parent.decodeIfPresent(String.self, forKey: Key(last))
        }
        if principal == nil {
            principal = try container.decodeIfPresent(String.self, forKey: Key("preferred_username"))
        }
    }

    /// The object holding the path's last component, or nil when a step of the path is missing.
    private static func container(
        _ root: KeyedDecodingContainer<Key>, at path: [String]
    ) throws -> (KeyedDecodingContainer<Key>, String)? {
        var container = root
        for step in path.dropLast() {
            guard container.contains(Key(step)) else { return nil }
            container = try container.nestedContainer(keyedBy: Key.self, forKey: Key(step))
        }
        return path.last.map { (container, $0) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(expiration, forKey: Key("exp"))
        try container.encodeIfPresent(notBefore, forKey: Key("nbf"))
        try container.encodeIfPresent(issuer, forKey: Key("iss"))
        try container.encodeIfPresent(audience, forKey: Key("aud"))
        try Self.encode(roles, at: rolesPath, in: &container)
        if let principal { try Self.encode(principal, at: principalPath, in: &container) }
    }

    private static func encode(
        _ value: some Encodable, at path: [String], in container: inout KeyedEncodingContainer<Key>
    ) throws {
        guard let first = path.first else { return }
        if path.count == 1 {
            try container.encode(value, forKey: Key(first))
        } else {
            var nested = container.nestedContainer(keyedBy: Key.self, forKey: Key(first))
            try encode(value, at: Array(path.dropFirst()), in: &nested)
        }
    }

    /// Nothing here: `IdentityProvider` checks every claim once the signature holds, so that a refusal can say
    /// which claim failed rather than that the token did.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
