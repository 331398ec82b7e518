import Shared

enum NotifyService: ServiceDefinition {
    static let abstract = "Raises Dauntless+ alerts, delivers them and keeps them until a person acknowledges them."
    static let identity = ServiceIdentity(name: "NotifyService", defaultPort: 8082, defaultGroup: "harmrank-notify") { topics in
        [topics.scoresSuspect, topics.rankings]
    }
}

await ServiceCommand<NotifyService>.start()
