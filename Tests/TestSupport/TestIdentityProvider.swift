import Crypto
import Foundation
import JWTKit
import Shared

/// An identity provider for tests: one P-256 signing key, its JWKS document, and tokens issued with it, laid out as
/// `IdentityClaims` reads them.
public struct TestIdentityProvider: Sendable {
    public let issuer = "https://sso.example.police.uk/realms/force"
    public let audience = "harmrank"
    public let keyID = "test-signing-key"
    private let key = ES256PrivateKey()

    public init() {}

    /// The public key as a JWKS document (RFC 7517), as a provider publishes it at its `jwks_uri`.
    public var jwks: String {
        let parameters = key.publicKey.parameters!
        func base64URL(_ text: String) -> String {
            text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        return #"{"keys":[{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"\#(keyID)","x":"\#(base64URL(parameters.x))","y":"\#(base64URL(parameters.y))"}]}"#
    }

    /// A token naming `principal` with `roles`; every other claim may be overridden to make a bad one.
    public func token(
        principal: String?, roles: [String], expiresIn: TimeInterval = 3600, notBefore: Date? = nil,
        issuer: String? = nil, audience: [String]? = nil, rolesClaim: String = "roles"
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: keyID))
        let claims = IdentityClaims(
            expiration: Date().addingTimeInterval(expiresIn), notBefore: notBefore, issuer: issuer ?? self.issuer,
            audience: audience ?? [self.audience], principal: principal, roles: roles,
            rolesPath: rolesClaim.split(separator: ".").map(String.init))
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
    }

    /// The provider's settings for a service reading the keys from `jwksFile`.
    public func settings(jwksFile: String, rolesClaim: String = "roles") -> IdentityProviderSettings {
        IdentityProviderSettings(keys: .file(jwksFile), issuer: issuer, audience: audience, rolesClaim: rolesClaim)
    }
}
