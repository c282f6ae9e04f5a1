import AsyncHTTPClient
import Foundation
import NIOCore

extension KubernetesClient {
    /// Opens a pod's log (`pods/log`, which needs `get` on that subresource) and returns its
    /// lines as they arrive; with `follow` the sequence lasts until the container stops or the
    /// consuming task is cancelled. The response head is bounded by `requestTimeout`; the body
    /// is read only as fast as the caller iterates, so a slow reader holds the apiserver back
    /// instead of buffering.
    public func podLog(namespace: String, pod: String, options: PodLogOptions, maximumLineLength: Int = 16 * 1024) async throws -> PodLogStream {
        let path = "/api/v1/namespaces/\(namespace)/pods/\(pod)/log"
        var request = try makeRequest(.GET, path, query: options.query, body: nil, contentType: "application/json")
        request.headers.replaceOrAdd(name: "Accept", value: "text/plain, */*")
        let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
        guard response.status.code == 200 else {
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let status = try? JSONDecoder().decode(APIStatus.self, from: Data(bytes.readableBytesView))
            throw KubernetesError(statusCode: Int(response.status.code), status: status, method: "GET", path: path)
        }
        return PodLogStream(body: response.body, splitter: PodLogLines(maximumLineLength: maximumLineLength))
    }
}

/// The lines of one pod log response.
public struct PodLogStream: AsyncSequence, Sendable {
    public typealias Element = PodLogLine
    let body: HTTPClientResponse.Body
    let splitter: PodLogLines

    public func makeAsyncIterator() -> Iterator { Iterator(body: body.makeAsyncIterator(), splitter: splitter) }

    public struct Iterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        var splitter: PodLogLines
        var ready: [PodLogLine] = []
        var done = false

        public mutating func next() async throws -> PodLogLine? {
            while ready.isEmpty {
                if done { return nil }
                if let buffer = try await body.next() {
                    ready = splitter.append(buffer.readableBytesView)
                } else {
                    done = true
                    if let last = splitter.finish() { ready = [last] }
                }
            }
            return ready.removeFirst()
        }
    }
}
