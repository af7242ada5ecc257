/// POST /containers/{id}/start with a body (the pre-1.24 "HostConfig on start").
///
/// Both lines first look at `r.ContentLength` ("a non-nil json object is at
/// least 7 characters"): a body is considered only when Content-Length > 7 or
/// the length is unknown (chunked, ContentLength == -1). A body of 1…7 bytes
/// with a Content-Length is never read at all.
///
/// 20.10.24 (MinVersion 1.12, default 1.41):
/// - API >= 1.24 → 400 "starting container with non-empty request body was
///   deprecated since API v1.22 and removed in v1.24".
/// - API < 1.24 → CheckForJSON, then `DecodeHostConfig`: the body is decoded
///   into the same ContainerConfigWrapper as create and reduced with
///   getHostConfig() (see ``ContainerCreateBody/effectiveHostConfig(of:daemon:)``:
///   top-level HostConfig keys and/or "HostConfig"). If that yields a
///   HostConfig, daemon.ContainerStart REPLACES the container's whole stored
///   HostConfig with it before starting (setSecurityOptions,
///   mergeAndVerifyLogConfig, registerMountPoints, registerLinks,
///   `container.HostConfig = hostConfig`; network settings are reset when
///   NetworkMode changed). So `POST /v1.23/containers/x/start` with
///   `{"Privileged":true,"Binds":["/:/host"]}` turns an already-approved
///   container privileged: the start body must be judged like a create.
///   The replacement is saved before the container process starts, so it
///   persists even when that start fails (checked against dockerd
///   20.10.24+dfsg1: /v1.24 → 400; /v1.23 → HostConfig replaced). A body
///   with only Config keys (e.g. `{"Image":"x"}`) yields no HostConfig and a
///   normal start.
/// - Trailing data after the JSON value is ignored.
///
/// 28.x (minimum API 1.24): any such body → 400 (same message), whatever the version.
public enum ContainerStartBody {
    public enum Disposition: Sendable, Hashable {
        /// The daemon does not read the body (length 0…7 bytes).
        case ignored
        /// The daemon decodes it as a create wrapper and applies the resulting
        /// HostConfig to the container (20.10, API < 1.24).
        case appliedAsHostConfig
        /// The daemon answers 400 without starting.
        case rejected
    }

    /// - Parameters:
    ///   - apiVersion: the /vX.Y prefix text, nil when unversioned (the
    ///     daemon then uses its default: 1.41 for 20.10, 1.51 for 28.x).
    ///     Versions outside the daemon's supported range are refused earlier
    ///     by its version middleware; that is not modelled here.
    ///   - contentLength: the request's Content-Length, nil when chunked.
    public static func disposition(daemon: DaemonLine, apiVersion: String?, contentLength: Int?) -> Disposition {
        if let contentLength, contentLength <= 7 { return .ignored }
        switch daemon {
        case .docker28:
            return .rejected
        case .docker20_10:
            let version = apiVersion ?? "1.41"
            return APIVersionCompare.greaterThanOrEqual(version, "1.24") ? .rejected : .appliedAsHostConfig
        }
    }
}
