import Crypto
import Foundation
import JWTKit
import Shared
import _CryptoExtras

/// An identity provider for tests: a P-256 and an RSA signing key, their JWKS document, and tokens issued with
/// either, laid out as `IdentityClaims` reads them.
public struct TestIdentityProvider: Sendable {
    /// The two algorithms identity providers sign access tokens with.
    public enum Algorithm: String, Sendable, CaseIterable { case es256 = "ES256", rs256 = "RS256" }

    public let issuer = "https://sso.example.police.uk/realms/force"
    public let audience = "harmrank"
    private let ecdsaKey = ES256PrivateKey()
    private let rsaKey: JWTKit.Insecure.RSA.PrivateKey

    public init() {
        rsaKey = try! JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    private func keyID(_ algorithm: Algorithm) -> String { "test-\(algorithm.rawValue.lowercased())" }

    /// The public keys as a JWKS document (RFC 7517), as a provider publishes it at its `jwks_uri`.
    public var jwks: String {
        func base64URL(_ text: String) -> String {
            text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let point = ecdsaKey.publicKey.parameters!
        let (modulus, exponent) = try! rsaKey.publicKey.getKeyPrimitives()
        return """
            {"keys":[\
            {"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"\(keyID(.es256))",\
            "x":"\(base64URL(point.x))","y":"\(base64URL(point.y))"},\
            {"kty":"RSA","use":"sig","alg":"RS256","kid":"\(keyID(.rs256))","n":"\(base64URL(modulus.base64EncodedString()))","e":"\(base64URL(exponent.base64EncodedString()))"}\
            ]}
            """
    }

    /// A token naming `principal` with `roles`; every other claim may be overridden to make a bad one.
    public func token(
        principal: String?, roles: [String], expiresIn: TimeInterval = 3600, notBefore: Date? = nil,
        issuer: String? = nil, audience: [String]? = nil, rolesClaim: String = "roles", principalClaim: String = "sub",
        algorithm: Algorithm = .es256
    ) async throws -> String {
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: keyID(algorithm))
        switch algorithm {
        case .es256: await keys.add(ecdsa: ecdsaKey, kid: kid)
        case .rs256: await keys.add(rsa: rsaKey, digestAlgorithm: .sha256, kid: kid)
        }
        let claims = IdentityClaims(
            expiration: Date().addingTimeInterval(expiresIn), notBefore: notBefore, issuer: issuer ?? self.issuer,
            audience: audience ?? [self.audience], principal: principal, roles: roles,
            rolesPath: rolesClaim.split(separator: ".").map(String.init),
            principalPath: principalClaim.split(separator: ".").map(String.init))
        return try await keys.sign(claims, kid: kid)
    }

    /// The provider's settings for a service reading the keys from `jwksFile`.
    public func settings(jwksFile: String, rolesClaim: String = "roles") -> IdentityProviderSettings {
        IdentityProviderSettings(keys: .file(jwksFile), issuer: issuer, audience: audience, rolesClaim: rolesClaim)
    }
}
