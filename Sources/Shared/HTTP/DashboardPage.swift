/// The analyst dashboard: one self-contained HTML page (no CDN, no tile server), shipped as a resource.
public enum DashboardPage {
    public static func html() throws(DataFileError) -> String { try readResource("dashboard.html", in: .module) }
}
