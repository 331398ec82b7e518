import Foundation
import Hummingbird

/// An error answered as JSON `{"error": code, "detail": text}` (CONTRACT.md section 8).
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let detail: String

    public init(_ status: HTTPResponse.Status, code: String, detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    public static let unauthorized = APIError(
        .unauthorized, code: "unauthorized", detail: "send 'Authorization: Bearer <token>' with a token from the tokens file")

    public static func forbidden(_ role: Role) -> APIError {
        APIError(.forbidden, code: "forbidden", detail: "this needs the '\(role.rawValue)' role")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder.api.encode(["error": code, "detail": detail])
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension JSONEncoder {
    /// The one encoder of API answers: stable key order, so answers compare byte for byte.
    public static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

/// Answers `value` as JSON with the API encoder.
public func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let body = try JSONEncoder.api.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
}
