/// One square of the hotspot grid, by its column and row: cell (x, y) covers eastings from x times the cell size
/// up to (x + 1) times it, and northings likewise, so cells sit on multiples of the cell size (CONTRACT.md section 6).
/// Cells order by column, then row: the tie-break the contract asks for.
public struct GridCell: Hashable, Comparable, Sendable {
    /// The column: eastings from x times the cell size.
    public let x: Int32
    /// The row: northings from y times the cell size.
    public let y: Int32

    /// The cell in column `x` and row `y`.
    public init(x: Int32, y: Int32) {
        self.x = x
        self.y = y
    }

    /// By column, then row.
    public static func < (lhs: GridCell, rhs: GridCell) -> Bool { (lhs.x, lhs.y) < (rhs.x, rhs.y) }

    /// Chebyshev distance in cells: diagonal neighbours are as near as side neighbours.
    public func distance(to other: GridCell) -> Int {
        max(abs(Int(x) - Int(other.x)), abs(Int(y) - Int(other.y)))
    }
}

/// What the hotspot model is configured with (CONTRACT.md section 6 gives the defaults).
public struct HotspotParameters: Sendable, Equatable {
    /// Side of a cell in metres.
    public var cellSize = 250
    /// D: a record raises the risk of cells fewer than D cells away (Chebyshev).
    public var distanceBandwidth = 8
    /// W: a record counts for fewer than W whole weeks after it occurred.
    public var timeBandwidth = 8
    /// The subgroups whose located records count.
    public var subgroups: Set<Subgroup> = [.burglaryResidential]

    /// The cell sizes accepted, in metres.
    public static let cellSizes = 10...10_000
    /// Risk is exact in integers with a common denominator of lcm(1...D) times lcm(1...W); 16 keeps that small.
    public static let bandwidths = 1...16

    /// The contract's defaults.
    public init() {}

    /// The first problem with these parameters, naming the option that sets it.
    public var problem: String? {
        if !Self.cellSizes.contains(cellSize) { return "cell size must be \(Self.cellSizes.lowerBound) to \(Self.cellSizes.upperBound) metres, got \(cellSize)" }
        if !Self.bandwidths.contains(distanceBandwidth) { return "distance bandwidth must be 1 to 16 cells, got \(distanceBandwidth)" }
        if !Self.bandwidths.contains(timeBandwidth) { return "time bandwidth must be 1 to 16 weeks, got \(timeBandwidth)" }
        if subgroups.isEmpty { return "at least one subgroup must count" }
        return nil
    }

    /// The cell holding `point`.
    public func cell(of point: GridPoint) -> GridCell {
        let size = Double(cellSize)
        return GridCell(x: Int32((point.easting / size).rounded(.down)), y: Int32((point.northing / size).rounded(.down)))
    }

    /// The cell holding the WGS84 point.
    public func cell(latitude: Double, longitude: Double) -> GridCell {
        cell(of: BritishNationalGrid.project(latitude: latitude, longitude: longitude))
    }

    /// The cell's name in lists: its south-west corner in grid metres, as `E530250N180500`.
    public func id(of cell: GridCell) -> String { "E\(Int(cell.x) * cellSize)N\(Int(cell.y) * cellSize)" }

    /// The south-west corner of the cell named `id`, or nil when `id` names no cell of this grid.
    public func cell(id: String) -> GridCell? {
        guard id.first == "E", let n = id.firstIndex(of: "N"), let east = Int(id[id.index(after: id.startIndex)..<n]),
            let north = Int(id[id.index(after: n)...]), east % cellSize == 0, north % cellSize == 0
        else { return nil }
        return GridCell(x: Int32(east / cellSize), y: Int32(north / cellSize))
    }
}
