import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The four services as `up` and `bench` run them: separate processes of the executables installed beside
/// `harmrank`, on consecutive ports from `firstPort` (RankService first), sharing one broker. The first instance of
/// each uses the data dir; further instances (`instances`) take the ports after the first four and a data dir of
/// their own under `hosts/`, as they would on hosts of their own.
struct ServiceStack {
    static let names = ["RankService", "IngestService", "NotifyService", "ScoreService"]

    let firstPort: Int
    let services: [SupervisedProcess]
    /// The HTTP port of each of `services`, in the same order.
    let ports: [Int]
    /// The directory of each of `services` that holds its state files, in the same order: what a host of its own
    /// that was lost would take with it.
    let stateDirectories: [URL?]
    let logDirectory: URL?

    /// `instances` is how many of each service to run (one unless given); `logDirectory` takes each instance's
    /// output as `<name>.log`, without it the output is printed, prefixed.
    init(
        environment: [String: String], firstPort: Int, instances: ServiceInstances = ServiceInstances(),
        logDirectory: URL? = nil, logger: Logger
    ) {
        self.firstPort = firstPort
        self.logDirectory = logDirectory
        let dataDirectory = environment["HARMRANK_DATA_DIR"].map { URL(fileURLWithPath: $0) }
        var members: [(name: String, executable: String, port: Int, environment: [String: String])] =
            Self.names.enumerated().map { index, name in (name, name, firstPort + index, environment) }
        for name in Self.names {
            for number in stride(from: 2, through: instances.count(of: name), by: 1) {
                let instance = "\(name)-\(number)"
                var own = environment
                own["HARMRANK_DATA_DIR"] = dataDirectory?.appendingPathComponent("hosts/\(instance)").path
                if ServiceInstances.replicated.contains(name) {
                    // A replica reads every partition: in a group of its own.
                    let short = ServiceInstances.shortNames.first { $0.value == name }?.key ?? name
                    own["HARMRANK_GROUP_ID"] = "harmrank-\(short)-\(number)"
                }
                members.append((instance, name, firstPort + members.count, own))
            }
        }
        if environment["HARMRANK_DOWNSTREAM_MAX_LAG"] != nil {
            // ScoreService's outputs are read by the replicas: it holds back for every one, not only the first.
            let replicas = ServiceInstances.replicated.map { instances.count(of: $0) }.max() ?? 1
            for index in members.indices where members[index].executable == "ScoreService" {
                members[index].environment["HARMRANK_DOWNSTREAM_REPLICAS"] = String(replicas)
            }
        }
        services = members.map { member in
            SupervisedProcess(
                name: member.name, executable: Self.siblingExecutable(member.executable),
                arguments: ["--http-port", String(member.port)], environment: member.environment,
                logFile: logDirectory?.appendingPathComponent("\(member.name).log"), logger: logger)
        }
        ports = members.map(\.port)
        stateDirectories = members.map { member in
            member.environment["HARMRANK_DATA_DIR"].map {
                URL(fileURLWithPath: $0).appendingPathComponent("state/\(member.executable)", isDirectory: true)
            }
        }
    }

    /// The port of a service's first instance.
    func port(of name: String) -> Int { firstPort + (Self.names.firstIndex(of: name) ?? 0) }

    /// Starts the services once their ports are known to be free: a port held by another stack (a second `up` or
    /// `bench`) would leave this one's requests answered by the other's services.
    func start() throws {
        for (service, port) in zip(services, ports) where !Self.isFree(port: port) {
            throw StackError(
                "port \(port) (\(service.name)) is in use: stop whatever holds it, or choose another first port "
                    + "with --http-port (the services take it and the next \(ports.count - 1))")
        }
        for service in services { service.start() }
    }

    /// Whether a listener could bind 127.0.0.1:`port` now, as the services' HTTP servers do (address reuse on, so a
    /// connection of a stack that just stopped, still in TIME_WAIT, does not count).
    private static func isFree(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { await service.stop() } }
        }
    }

    /// Waits until every service answers `/health/ready` (its partitions assigned and loaded).
    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        for (service, port) in zip(services, ports) {
            let name = service.name
            let url = URL(string: "http://127.0.0.1:\(port)/health/ready")!
            while true {
                let response = try? await URLSession.shared.data(from: url).1 as? HTTPURLResponse
                if response?.statusCode == 200 { break }
                guard ContinuousClock.now < deadline else {
                    throw StackError("\(name) was not ready within \(timeout): see its log")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The service executables are installed beside `harmrank`.
    static func siblingExecutable(_ name: String) -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name)
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
