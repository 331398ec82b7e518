import Hummingbird
import NIOCore

extension Request {
    /// The whole body, refused with the API's 413 naming the limit once it passes `limit` bytes, before more is
    /// read (Hummingbird's own answer to that has no body).
    public func wholeBody(upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(
                .contentTooLarge, code: "body-too-large",
                detail: "the body is larger than \(limit) bytes: send fewer records at a time")
        }
    }
}
