import Foundation
import Logging
import ServiceLifecycle

/// Stops the service gracefully once the `harmrank up` or `bench` process that started it is gone, however it went
/// (SIGKILL, a closed terminal), so that no service is left running on its own, holding its partitions and ports.
/// The supervisor passes its process id in `HARMRANK_SUPERVISOR_PID`; a process whose parent dies is adopted by
/// another, so its parent id changes.
struct SupervisorWatch: Service {
    /// The supervisor's process id (`ServiceSettings.supervisorProcessID`).
    let supervisor: Int
    let logger: Logger

    /// Returns when the supervisor is gone, which shuts the service down (`ServiceRuntime`), or at shutdown.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard Int(getppid()) == supervisor else {
                    logger.warning("the process that started this service (pid \(supervisor)) is gone; stopping")
                    return
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
