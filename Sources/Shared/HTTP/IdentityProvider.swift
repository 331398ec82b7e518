import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Where the identity provider's signing keys are published and what its tokens must say (`--jwks`, `--issuer`, `--audience`, `--roles-claim`, `--principal-claim`).
public struct IdentityProviderSettings: Sendable, Equatable {
    /// A JWKS document (RFC 7517) on disk, or at an `https` address such as the provider's `jwks_uri`.
    public enum KeySource: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case url(URL)

        public var description: String {
            switch self {
            case .file(let path): path
            case .url(let url): url.absoluteString
            }
        }
    }

    public var keys: KeySource
    /// The `iss` every token must carry: the provider's issuer identifier.
    public var issuer: String
    /// A value the token's `aud` must hold: the client id HarmRank is registered under.
    public var audience: String
    /// Dotted path of the claim holding the caller's roles (`roles`, Keycloak's `realm_access.roles`, ...).
    public var rolesClaim: String
    /// Dotted path of the claim naming the caller in the audit log (`sub`, `preferred_username`, `email`, ...);
    /// `preferred_username` stands in when a token lacks it.
    public var principalClaim: String
    /// How often the keys are read again, so that a provider's rotated keys are taken up without a restart.
    public var refreshInterval: Duration

    public init(
        keys: KeySource, issuer: String, audience: String, rolesClaim: String = "roles",
        principalClaim: String = "sub", refreshInterval: Duration = .seconds(600)
    ) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.rolesClaim = rolesClaim
        self.principalClaim = principalClaim
        self.refreshInterval = refreshInterval
    }
}

/// Checks bearer JWTs from the force's identity provider (OIDC): the algorithm (RS256 or ES256 only, so that a token
/// cannot choose a weaker or keyless one), the signature against the provider's published keys (jwt-kit does the
/// cryptography), then expiry and not-before with a minute's leeway, the issuer and the
/// audience. The caller's name and roles come from the configured claims; values of the roles claim that name no
/// HarmRank role are ignored. As a service it reads the keys again every `refreshInterval`, keeping the ones it has
/// when that fails.
public final class IdentityProvider: Service, Sendable {
    /// Why a token was refused, worded for the caller (the 401's detail).
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public let settings: IdentityProviderSettings
    private let keys: Mutex<JWTKeyCollection>
    private let logger: Logger

    /// Reads the keys once; start-up stops with the source and the problem when they cannot be read.
    public init(settings: IdentityProviderSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        keys = Mutex(try await Self.loadKeys(settings))
    }

    /// The caller a token names, or why it is refused.
    public func principal(for token: String) async -> Result<Principal, Refusal> {
        let collection = keys.withLock { $0 }
        guard let algorithm = Self.algorithm(of: token), Self.algorithms.contains(algorithm) else {
            return .failure(Refusal(description: "the token is not signed with \(Self.algorithms.sorted().joined(separator: " or "))"))
        }
        let claims: IdentityClaims
        do {
            claims = try await collection.verify(token, as: IdentityClaims.self)
        } catch {
            return .failure(Refusal(description: "the token's signature matches no key of the identity provider at \(settings.keys) (\(error))"))
        }
        let now = Date()
        if claims.expiration.value < now.addingTimeInterval(-IdentityClaims.clockSkew) {
            return .failure(Refusal(description: "the token expired at \(claims.expiration.value): sign in again"))
        }
        if let notBefore = claims.notBefore?.value, notBefore > now.addingTimeInterval(IdentityClaims.clockSkew) {
            return .failure(Refusal(description: "the token is not valid before \(notBefore)"))
        }
        guard claims.issuer?.value == settings.issuer else {
            return .failure(Refusal(description: "the token was issued by '\(claims.issuer?.value ?? "")', not by '\(settings.issuer)' (--issuer)"))
        }
        guard let audience = claims.audience?.value, audience.contains(settings.audience) else {
            return .failure(Refusal(description: "the token is not meant for '\(settings.audience)' (--audience); its audience is \(claims.audience?.value ?? [])"))
        }
        guard let name = claims.principal, !name.isEmpty else {
            return .failure(Refusal(description: "the token has neither a '\(settings.principalClaim)' nor a 'preferred_username' claim to name the caller (--principal-claim)"))
        }
        return .success(Principal(name: name, roles: Set(claims.roles.compactMap(Role.init(rawValue:)))))
    }

    /// The signing algorithms accepted: those identity providers sign access tokens with.
    static let algorithms: Set<String> = ["RS256", "ES256"]

    /// The `alg` of a token's header, read before anything is verified only to refuse other algorithms early.
    private static func algorithm(of token: String) -> String? {
        struct Header: Decodable { var alg: String }
        guard let encoded = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data).alg
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.settings.refreshInterval)
                do {
                    let fresh = try await Self.loadKeys(self.settings)
                    self.keys.withLock { $0 = fresh }
                } catch {
                    self.logger.warning(
                        "could not read the identity provider's keys again; keeping those read before",
                        metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private static func loadKeys(_ settings: IdentityProviderSettings) async throws -> JWTKeyCollection {
        let document: Data
        switch settings.keys {
        case .file(let path):
            do {
                document = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ConfigurationError("--jwks / HARMRANK_JWKS '\(path)' cannot be read: \(error.localizedDescription)")
            }
        case .url(let url):
            var request = HTTPClientRequest(url: url.absoluteString)
            request.headers.add(name: "Accept", value: "application/json")
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                guard response.status == .ok else {
                    throw ConfigurationError("--jwks / HARMRANK_JWKS \(url): the provider answered \(response.status)")
                }
                document = Data(buffer: try await response.body.collect(upTo: 1 << 20))
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError("--jwks / HARMRANK_JWKS \(url) cannot be fetched: \(error)")
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        decoder.userInfo[IdentityClaims.rolesPathKey] = settings.rolesClaim.split(separator: ".").map(String.init)
        decoder.userInfo[IdentityClaims.principalPathKey] = settings.principalClaim.split(separator: ".").map(String.init)
        let collection = JWTKeyCollection(defaultJWTParser: DefaultJWTParser(jsonDecoder: decoder))
        do {
            let jwks = try JSONDecoder().decode(JWKS.self, from: document)
            guard !jwks.keys.isEmpty else { throw ConfigurationError("the key set is empty") }
            try await collection.add(jwks: jwks)
        } catch {
            throw ConfigurationError("--jwks / HARMRANK_JWKS \(settings.keys) holds no usable key set (JWKS, RFC 7517): \(error)")
        }
        return collection
    }
}
