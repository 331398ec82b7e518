import Foundation
import Shared
import TestSupport
import Testing

@Suite struct SettingsTests {
    static let identity = ServiceIdentity(name: "RankService", defaultPort: 8080, defaultGroup: "harmrank-rank") {
        [$0.scoresSuspect]
    }
    static let tokens = "0123456789abcdef0 ops analyst"

    @Test func flagsWinOverVariablesWhichWinOverDefaults() throws {
        let source = SettingSource(environment: [
            "HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_HTTP_PORT": "9000", "HARMRANK_TOPIC_PREFIX": "met.",
            "HARMRANK_TOKENS": Self.tokens,
        ])
        let fromEnvironment = try ServiceOptions.parse([]).resolve(for: Self.identity, source)
        #expect(fromEnvironment.kafka.bootstrapServers == "kafka:9092")
        #expect(fromEnvironment.httpPort == 9000)
        #expect(fromEnvironment.inputTopics == ["met.scores.suspect"])
        #expect(fromEnvironment.groupID == "harmrank-rank")
        #expect(fromEnvironment.httpHost == "127.0.0.1")
        #expect(fromEnvironment.fetchWait == .milliseconds(10))
        #expect(fromEnvironment.busyWait == .milliseconds(300))
        #expect(fromEnvironment.supervisorProcessID == nil)
        #expect(fromEnvironment.downstreamMaxLag == nil)

        let fromFlags = try ServiceOptions.parse(["--bootstrap", "other:9093", "--http-port", "9001"])
            .resolve(for: Self.identity, source)
        #expect(fromFlags.kafka.bootstrapServers == "other:9093")
        #expect(fromFlags.httpPort == 9001)
    }

    @Test func theEmbeddedBrokerSettingsAreReadFromTheirVariables() throws {
        let source = SettingSource(environment: [
            "HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_TOKENS": Self.tokens,
            "HARMRANK_FETCH_WAIT_MS": "2", "HARMRANK_DOWNSTREAM_MAX_LAG": "500", "HARMRANK_BUSY_WAIT_MS": "0",
            "HARMRANK_SUPERVISOR_PID": "4321",
        ])
        let settings = try ServiceOptions.parse([]).resolve(for: Self.identity, source)
        #expect(settings.fetchWait == .milliseconds(2))
        #expect(settings.downstreamMaxLag == 500)
        #expect(settings.busyWait == .zero)
        #expect(settings.supervisorProcessID == 4321)

        // Each is a flag too, and the flag wins.
        let flags = try ServiceOptions.parse([
            "--fetch-wait-ms", "7", "--downstream-max-lag", "9", "--busy-wait-ms", "11", "--supervisor-pid", "13",
            "--dashboard-origins", "http://a:1, http://b:2",
        ]).resolve(for: Self.identity, source)
        #expect(flags.fetchWait == .milliseconds(7))
        #expect(flags.downstreamMaxLag == 9)
        #expect(flags.busyWait == .milliseconds(11))
        #expect(flags.supervisorProcessID == 13)
        #expect(flags.dashboardOrigins == ["http://a:1", "http://b:2"])
    }

    @Test func backPressureWaitsForEveryReplicaOfEachReader() throws {
        let scorer = ServiceIdentity(
            name: "ScoreService", defaultPort: 8083, defaultGroup: "harmrank-score",
            readers: { [("harmrank-rank", [$0.scoresSuspect]), ("harmrank-notify", [$0.scoresSuspect])] }
        ) { [$0.linksSuspect] }
        var environment = ["HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_TOKENS": Self.tokens]
        let one = try ServiceOptions.parse([]).resolve(for: scorer, SettingSource(environment: environment))
        #expect(one.downstreamReaders.map(\.group) == ["harmrank-rank", "harmrank-notify"])

        environment["HARMRANK_DOWNSTREAM_REPLICAS"] = "3"
        let three = try ServiceOptions.parse([]).resolve(for: scorer, SettingSource(environment: environment))
        #expect(
            three.downstreamReaders.map(\.group) == [
                "harmrank-rank", "harmrank-rank-2", "harmrank-rank-3", "harmrank-notify", "harmrank-notify-2",
                "harmrank-notify-3",
            ])
        #expect(three.downstreamReaders.allSatisfy { $0.topics == [three.topics.scoresSuspect] })
    }

    @Test(arguments: [
        ("HARMRANK_FETCH_WAIT_MS", "0", "--fetch-wait-ms / HARMRANK_FETCH_WAIT_MS '0': use a whole number of at least 1"),
        ("HARMRANK_BUSY_WAIT_MS", "-5", "--busy-wait-ms / HARMRANK_BUSY_WAIT_MS '-5': use a whole number (0 or more)"),
        ("HARMRANK_DOWNSTREAM_REPLICAS", "0", "--downstream-replicas / HARMRANK_DOWNSTREAM_REPLICAS '0': use a whole number of at least 1"),
        ("HARMRANK_SUPERVISOR_PID", "up", "--supervisor-pid / HARMRANK_SUPERVISOR_PID 'up': use a whole number of at least 1"),
    ])
    func aNumberOutOfRangeSaysWhatIsAllowed(variable: String, value: String, message: String) throws {
        let source = SettingSource(environment: ["HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_TOKENS": Self.tokens, variable: value])
        let error = #expect(throws: ConfigurationError.self) { try ServiceOptions.parse([]).resolve(for: Self.identity, source) }
        #expect(error?.description == message)
    }

    @Test func kafkaPropertiesPassThroughFromVariablesAndFlags() throws {
        let source = SettingSource(environment: [
            "HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_TOKENS": Self.tokens,
            "HARMRANK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "HARMRANK_KAFKA_SASL_MECHANISMS": "SCRAM-SHA-512",
        ])
        let settings = try ServiceOptions.parse(["--kafka-property", "ssl.ca.location=/etc/ca.pem"])
            .resolve(for: Self.identity, source)
        #expect(settings.kafka.properties == [
            "security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "ssl.ca.location": "/etc/ca.pem",
        ])
    }

    @Test func theBootstrapAddressComesFromTheDataDirectoryWhenNotGiven() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "127.0.0.1:39092\n".write(to: directory.appendingPathComponent("bootstrap.txt"), atomically: true, encoding: .utf8)
        try "0123456789abcdef0 ops analyst\n".write(
            to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let settings = try ServiceOptions.parse(["--data-dir", directory.path]).resolve(for: Self.identity, SettingSource(environment: [:]))
        #expect(settings.kafka.bootstrapServers == "127.0.0.1:39092")
        #expect(settings.tokens.principal(for: "0123456789abcdef0")?.name == "ops")
    }

    @Test(arguments: [
        (["--http-port", "http"], "--http-port / HARMRANK_HTTP_PORT 'http': use a port number from 1 to 65535"),
        (["--kafka-property", "acks"], "--kafka-property 'acks': expected name=value, e.g. security.protocol=SSL"),
        (["--log-level", "loud"], "--log-level / HARMRANK_LOG_LEVEL 'loud': use one of trace, debug, info, notice, warning, error, critical"),
        (["--jwks", "jwks.json"], "--issuer / HARMRANK_JWT_ISSUER is required with --jwks: the 'iss' of the provider's tokens"),
        (["--jwks", "jwks.json", "--issuer", "https://sso"],
         "--audience / HARMRANK_JWT_AUDIENCE is required with --jwks: HarmRank's client id at the provider"),
        (["--issuer", "https://sso"], "HARMRANK_JWT_ISSUER is set but --jwks / HARMRANK_JWKS is not: give the identity provider's keys too"),
        (["--jwks", "jwks.json", "--issuer", "i", "--audience", "a", "--roles-claim", "realm_access..roles"],
         "--roles-claim 'realm_access..roles': use a claim name, or names joined by dots for a nested claim"),
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key (HARMRANK_TLS_CERT, HARMRANK_TLS_KEY) go together: give both, or neither for plain HTTP"),
    ])
    func badSettingsSayWhichAndHowToFix(arguments: [String], message: String) throws {
        let source = SettingSource(environment: ["HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_TOKENS": Self.tokens])
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceOptions.parse(arguments).resolve(for: Self.identity, source)
        }
        #expect(error?.description == message)
    }

    @Test func identityProviderAndTLSSettingsAreReadAndCheckedAndNeedNoTokensFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = try TestCertificate(in: directory)
        let source = SettingSource(environment: [
            "HARMRANK_BOOTSTRAP": "kafka:9092", "HARMRANK_JWKS": "https://sso.example/certs",
            "HARMRANK_JWT_ISSUER": "https://sso.example", "HARMRANK_JWT_AUDIENCE": "harmrank",
            "HARMRANK_JWT_ROLES_CLAIM": "realm_access.roles", "HARMRANK_TLS_CERT": certificate.certificateFile.path,
            "HARMRANK_TLS_KEY": certificate.keyFile.path,
        ])
        let settings = try ServiceOptions.parse(["--data-dir", directory.path]).resolve(for: Self.identity, source)
        #expect(settings.identityProvider == IdentityProviderSettings(
            keys: .url(URL(string: "https://sso.example/certs")!), issuer: "https://sso.example", audience: "harmrank",
            rolesClaim: "realm_access.roles"))
        #expect(settings.tokens.isEmpty)
        #expect(settings.tls != nil)

        // A key that is not the certificate's stops start-up naming both files.
        let other = try TestCertificate(in: directory.appendingPathComponent("other", isDirectory: true).creatingDirectory())
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceOptions.parse(["--data-dir", directory.path, "--tls-key", other.keyFile.path]).resolve(for: Self.identity, source)
        }
        #expect(error?.description.contains("does not go with the certificate") == true, "\(String(describing: error))")
    }

    @Test func aMissingBootstrapSaysWhereItWasLookedFor() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceOptions.parse(["--data-dir", "/nonexistent"]).resolve(
                for: Self.identity, SettingSource(environment: ["HARMRANK_TOKENS": Self.tokens]))
        }
        #expect(error?.description.contains("/nonexistent/bootstrap.txt") == true)
    }
}

extension URL {
    fileprivate func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
