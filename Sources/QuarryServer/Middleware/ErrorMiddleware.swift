import Hummingbird

/// Turns every error a route throws into its answer through ``ErrorMap``. It returns the response
/// rather than throwing, so the middleware outside it (metrics, request id) sees every answer with
/// its real status.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try ErrorMap.apiError(for: error, logger: context.logger).response(from: request, context: context)
        }
    }
}
