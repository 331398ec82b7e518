import Foundation
import Logging
import ServiceLifecycle

/// Stops the service gracefully once the `harmrank up` or `bench` process that started it is gone, however it went
/// (SIGKILL, a closed terminal), so that no service is left running on its own, holding its partitions and ports.
/// The supervisor passes its process id in `HARMRANK_SUPERVISOR_PID`; a process whose parent dies is adopted by
/// another, so its parent id changes.
struct SupervisorWatch: Service {
    let supervisor: pid_t
    let logger: Logger

    /// The watch for a service started by a supervisor, nil for one started any other way.
    init?(_ source: SettingSource, logger: Logger) throws {
        guard let text = source.value(nil, "HARMRANK_SUPERVISOR_PID") else { return nil }
        guard let supervisor = pid_t(text), supervisor > 0 else {
            throw ConfigurationError("HARMRANK_SUPERVISOR_PID '\(text)': use the process id of the supervising process, or leave it unset")
        }
        self.supervisor = supervisor
        self.logger = logger
    }

    /// Returns when the supervisor is gone, which shuts the service down (`ServiceRuntime`), or at shutdown.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard getppid() == supervisor else {
                    logger.warning("the process that started this service (pid \(supervisor)) is gone; stopping")
                    return
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
