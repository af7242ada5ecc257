import EngineAPI
import GoJSON
import HTTP1
import Tenancy

/// Image routes on a job socket (docs/tenancy.md, "Images"): another job's
/// images and tags are answered as missing, shared images are usable but not
/// removable, and a new name (tag, build, commit, import, pull) may not take
/// a name that is another job's or a shared image's.
extension JobScope {
    func applyImage(_ action: ImageAction, _ match: EndpointMatch, head: RequestHead) -> Outcome {
        let route = match.route.name
        guard let query = GoQuery.parse(match.rawQuery) else {
            return .answer(status: 400, message: "the query string is malformed")
        }
        switch action {
        case .list:
            switch QueryRewrite.pinningImageFilters(match.rawQuery, resolve: filterImage) {
            case .success(nil): return .forward(target: head.target, body: nil)
            case .success(let query?): return .forward(target: Self.path(of: head.target) + "?" + query, body: nil)
            case .failure(let refusal): return .answer(status: refusal.status, message: refusal.message, raw: refusal.raw)
            }
        case .read(let parameter):
            let name = match.parameters[parameter] ?? ""
            if route == "image.push" {
                // The path names the repository; the query's `tag` the tag.
                let tag = query.first("tag") ?? ""
                guard !tag.utf8.isEmpty else {
                    return .answer(status: 403, message: "sockwarden: push one tag at a time on a job socket (docker push NAME:TAG); pushing every tag of \(name) is not scoped to the job")
                }
                let tagged = name + (tag.utf8.starts(with: "sha256:".utf8) ? "@" : ":") + tag
                switch imageAccess(tagged) {
                case .foreign: return missing(route, name)
                case .unknown(let why): return unknown(tagged, why)
                case .shortID: return shortID(tagged)
                case .shared:
                    // A push records a digest reference in the repository: the
                    // runner's image there would pass for one pulled from it.
                    if let refusal = localRepositoryRefusal(tagged, route: "a push") { return refusal }
                    return .forward(target: head.target, body: nil)
                case .own, .absent: return .forward(target: head.target, body: nil)
                }
            }
            if route == "image.get", let refusal = checkSavedRepository(name, route: route) { return refusal }
            if ImageNames.readsAsIDPrefix(name) {
                return pinnedShortID(name, route, match, parameter: parameter) { _, _ in nil }
            }
            switch imageAccess(name) {
            case .foreign: return missing(route, name)
            case .unknown(let why): return unknown(name, why)
            case .shortID: return shortID(name)
            case .own, .shared, .absent: return .forward(target: head.target, body: nil)
            }
        case .readAll(let key):
            // Every name is checked: one the proxy finds absent (a bare name
            // whose `latest` tag is missing) may still be one the daemon saves.
            var names: [String] = []
            for name in query.all(key) {
                if route == "image.get.all", let refusal = checkSavedRepository(name, route: route) { return refusal }
                if ImageNames.readsAsIDPrefix(name) {
                    // A short ID: saved as the full ID it resolves to now.
                    switch resolveShortID(name) {
                    case .image(let id, let access) where !access.isForeign: names.append(id); continue
                    case .image, .missing: return missing(route, name)
                    case .tagName: return shortID(name)
                    case .unknown(let why): return unknown(name, why)
                    }
                }
                names.append(name)
                switch imageAccess(name) {
                case .foreign: return missing(route, name)
                case .unknown(let why): return unknown(name, why)
                case .shortID: return shortID(name)
                case .own, .shared, .absent: continue
                }
            }
            guard names != query.all(key) else { return .forward(target: head.target, body: nil) }
            return .forward(target: Self.path(of: head.target) + "?" + QueryRewrite.replacingAll(key, with: names, in: match.rawQuery), body: nil)
        case .delete(let parameter):
            let name = match.parameters[parameter] ?? ""
            if ImageNames.readsAsIDPrefix(name) {
                return pinnedShortID(name, route, match, parameter: parameter) { access, _ in
                    if case .shared = access { return self.sharedRefusal(name) }
                    return nil
                }
            }
            switch imageAccess(name) {
            case .foreign: return missing(route, name)
            case .unknown(let why): return unknown(name, why)
            case .shortID: return shortID(name)
            case .shared:
                return sharedRefusal(name)
            case .own(labelled: false):
                // The job's claim on a shared image: not when the daemon would take the image's digest references along.
                if let refusal = claimDeleteRefusal(name) { return refusal }
                return .forward(target: head.target, body: nil)
            case .own, .absent:
                return .forward(target: head.target, body: nil)
            }
        case .tag(let parameter):
            let source = match.parameters[parameter] ?? ""
            if ImageNames.readsAsIDPrefix(source) {
                return pinnedShortID(source, route, match, parameter: parameter) { access, id in
                    switch self.newName(repo: query.first("repo") ?? "", tag: query.first("tag") ?? "", pull: false) {
                    case .refused(let outcome): return outcome
                    case .none: return nil
                    case .free(let target):
                        if case .own(true) = access { return nil }
                        if let refusal = self.claimRefusal(source: source, target: target) { return refusal }
                        self.claims.claim(target, job: self.owner.id, imageID: id)
                        return nil
                    }
                }
            }
            // The source is looked up once, and the tag forwarded by the full
            // ID found: the claim is on that image (`ImageClaim`), and a
            // source re-pointed in between cannot put the name on another.
            let escaped = DaemonLookup.escape(source)
            var found: (id: String, labelled: Bool)?
            if !escaped.isEmpty, escaped != ".", escaped != ".." {
                switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
                case .notFound: break
                case .failed(let why): return unknown(source, why)
                case .ok(let info):
                    switch imageAccess(source, info) {
                    case .foreign: return missing(route, source)
                    case .unknown(let why): return unknown(source, why)
                    case .shortID: return shortID(source)
                    case .absent, .shared: found = (info.member("Id")?.string ?? "", false)
                    case .own(let l): found = (info.member("Id")?.string ?? "", l)
                    }
                }
            }
            if let id = found?.id, !ImageNames.isFullID(id) { return unknown(source, "the daemon's answer has no image ID") }
            switch newName(repo: query.first("repo") ?? "", tag: query.first("tag") ?? "", pull: false) {
            case .refused(let outcome): return outcome
            case .none: return .forward(target: head.target, body: nil)
            case .free(let target):
                // A missing source: the daemon answers, and nothing is claimed.
                guard let found else { return .forward(target: head.target, body: nil) }
                // A tag on an unlabelled image carries no owner: sockwarden keeps it.
                if !found.labelled {
                    if let refusal = claimRefusal(source: source, target: target) { return refusal }
                    claims.claim(target, job: owner.id, imageID: found.id)
                }
                var parameters = match.parameters
                parameters[parameter] = found.id
                return .forward(target: Self.target(match, parameters: parameters), body: nil)
            }
        case .create:
            return applyImageCreate(match, head: head, query: query)
        }
    }

    private func applyImageCreate(_ match: EndpointMatch, head: RequestHead, query: GoQuery) -> Outcome {
        // As dockerd decides: any fromImage is a pull (fromSrc is then ignored), none an import.
        if (query.first("fromImage") ?? "").utf8.isEmpty {
            // Import: the image is the job's (a LABEL change added last).
            let changes = query.all("changes")
            if let refusal = ImageNames.checkChanges(changes) { return .answer(status: refusal.status, message: refusal.message) }
            if case .refused(let outcome) = newName(repo: query.first("repo") ?? "", tag: query.first("tag") ?? "", pull: false) {
                return outcome
            }
            // With the import's mark (`CreateMarks.makeImage`): an import cut at the close is still reaped.
            let mark = CreateMarks.makeImage()
            let change = "changes=" + QueryRewrite.escape(ImageNames.ownerLabelChange(owner, mark: mark))
            let raw = match.rawQuery.map { $0.isEmpty ? change : $0 + "&" + change } ?? change
            return .forward(target: Self.path(of: head.target) + "?" + raw, body: nil, hold: CreateHold(mark: mark, reservation: nil))
        }
        let image = query.first("fromImage") ?? ""
        let tag = query.first("tag") ?? ""
        let named = image.utf8.contains(UInt8(ascii: "@"))
            || image.utf8.split(separator: UInt8(ascii: "/")).last?.contains(UInt8(ascii: ":")) == true
        if tag.utf8.isEmpty && !named {
            return .answer(status: 403, message: "sockwarden: pull one tag at a time on a job socket (docker pull NAME:TAG); pulling every tag of \(image) is not scoped to the job")
        }
        let joined = tag.utf8.isEmpty ? image : image + (tag.utf8.starts(with: "sha256:".utf8) ? "@" : ":") + tag
        if let refusal = localRepositoryRefusal(joined, route: "a pull") { return refusal }
        switch newName(repo: joined, tag: "", pull: true) {
        case .refused(let outcome): return outcome
        case .none, .free: return .forward(target: head.target, body: nil)
        }
    }

    /// A `before`/`since` value of an image list: the full ID of an image in
    /// the job's view; otherwise what the daemon answers for a missing one,
    /// so the filter tells nothing of other jobs' images.
    func filterImage(_ name: String) -> QueryRewrite.ImageFilterValue {
        filterImage(name, missing: { refused(missing("image.list", name)) })
    }

    /// An `ancestor` value of a container list (dockerd 20.10 `foldFilter`
    /// looks it up with `GetImage` among every image, and a value it does
    /// not find keeps no container): the full ID of an image in the job's
    /// view; otherwise `QueryRewrite.noImage`, an ID no image has. The
    /// daemon's answer told a job which names and ID prefixes other jobs'
    /// images had: its containers of a shared image were listed for another
    /// job's tag on it, and none for a prefix another's image shared
    /// (found 2026-12-02, session 20).
    func filterAncestor(_ name: String) -> QueryRewrite.ImageFilterValue {
        filterImage(name, ancestor: true, missing: { .pinned(QueryRewrite.noImage) })
    }

    private func refused(_ outcome: Outcome) -> QueryRewrite.ImageFilterValue {
        guard case .answer(let status, let message, let raw) = outcome else { return .kept }
        return .refused(TenancyRefusal(status: status, message: message, raw: raw))
    }

    private func filterImage(_ name: String, ancestor: Bool = false, missing: () -> QueryRewrite.ImageFilterValue) -> QueryRewrite.ImageFilterValue {
        let escaped = DaemonLookup.escape(name)
        // No image has such a name: the daemon refuses the reference itself.
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return .kept }
        if ImageNames.readsAsIDPrefix(name) {
            switch resolveShortID(name) {
            case .image(let id, let access) where !access.isForeign: return .pinned(id)
            case .image, .missing: return missing()
            case .tagName: return refused(shortID(name))
            case .unknown(let why): return refused(unknown(name, why))
            }
        }
        switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
        case .notFound: return missing()
        // A reference the daemon cannot read (400): an ancestor it ignores, keeping nothing.
        case .failed(let why): return ancestor ? missing() : refused(unknown(name, why))
        case .ok(let info):
            switch imageAccess(name, info) {
            case .own, .shared:
                guard let id = info.member("Id")?.string else { return refused(unknown(name, "the daemon's answer has no image ID")) }
                return .pinned(id)
            case .foreign, .absent, .shortID: return missing()
            case .unknown(let why): return refused(unknown(name, why))
            }
        }
    }

    /// A save by a bare name takes every tag of the repository: refused
    /// when any of them is not in the job's view (another job's image or
    /// claimed tag, a build's step). When none of them is, the repository
    /// is not in the job's view at all: answered as the daemon answers a
    /// name it has no image for (a 403 told the job another job's
    /// repository existed, found 2026-12-02, session 20), or, for a bare
    /// hex name, left to the ID search among the job's view that follows.
    func checkSavedRepository(_ name: String, route: String) -> Outcome? {
        guard let repository = ImageNames.savedRepository(name) else { return nil }
        let filters = GoEncoder.render(.object([JSONMember("reference", .array([.string(repository)]))]))
        switch lookup.get("/images/json?filters=" + QueryRewrite.escape(String(decoding: filters, as: UTF8.self))) {
        case .ok(let listed):
            let items = listed.array ?? [], made = madeImages, foreign = claims.foreign(to: owner.id)
            guard ImageListFilter.hidesAny(items, owner: owner, recorded: made, foreignClaims: foreign) else { return nil }
            if !ImageListFilter.showsRepository(repository, in: items, owner: owner, recorded: made, foreignClaims: foreign) {
                return ImageNames.readsAsIDPrefix(name) ? nil : missing(route, name)
            }
            return .answer(status: 403, message: "sockwarden: saving \(name) saves every tag of \(repository), and some are not job \(owner.id)'s; save the job's tags by name (docker save \(repository):TAG)")
        case .notFound:
            return nil
        case .failed(let why):
            return .answer(status: 503, message: "sockwarden: cannot check which tags of \(repository) a save of \(name) takes: \(why)")
        }
    }

    /// The IDs of the job's images (nil: the daemon could not say): those
    /// that carry its owner label and seal and that its socket made
    /// (`JobImages`). An image labelled for the job without its seal (a
    /// Dockerfile `LABEL` of another job's build) is not among them, nor one
    /// the runner built from a job's image (it inherits both labels).
    /// `recordedOnly` false: every image with the label and seal.
    func ownImageIDs(recordedOnly: Bool = true) -> [String]? {
        let filters = GoEncoder.render(.object([JSONMember("label", .array([.string(owner.labelFilter), .string(owner.sealFilter)]))]))
        let recorded = madeImages
        switch lookup.get("/images/json?filters=" + QueryRewrite.escape(String(decoding: filters, as: UTF8.self))) {
        case .ok(let listed):
            return (listed.array ?? []).compactMap { $0.member("Id")?.string }.filter { !recordedOnly || recorded.contains($0) }
        case .notFound: return []
        case .failed: return nil
        }
    }

    /// The image IDs the job's socket made (`JobImages`).
    var madeImages: Set<String> { containers.imageIDs(of: owner.id) }

    /// An image the job's socket made (a build's last image, a commit's or
    /// an import's answer): recorded, the job's from now on. Made after the
    /// job was closed (its reap may have run): removed instead.
    /// `mark`: the import's or commit's (`CreateMarks.makeImage`), let go
    /// once the ID is recorded.
    func madeImage(_ id: String, mark: String? = nil) {
        guard JobImages.isImageID(id) else { return }
        containers.compactImages(job: owner.id) {
            guard let all = ownImageIDs(recordedOnly: false) else { return nil }
            return Set(all)
        }
        containers.recordImage(id, job: owner.id)
        if let mark { containers.answered(mark, job: owner.id) }
        if closed.withLock({ $0 }) { _ = lookup.delete("/images/" + DaemonLookup.escape(id) + "?force=1") }
    }

    /// `POST /build`: every `t` must be a name the job may take; `cachefrom`
    /// images of other jobs are dropped, as if they did not exist.
    func checkBuildNames(_ raw: String?) -> Outcome? {
        guard let query = GoQuery.parse(raw) else { return .answer(status: 400, message: "the query string is malformed") }
        if let refusal = BuildTags.checkCount(query, job: owner.id) { return .answer(status: refusal.status, message: refusal.message) }
        for name in query.all("t") {
            if case .refused(let outcome) = newName(repo: name, tag: "", pull: false) { return outcome }
        }
        if let cacheFrom = query.first("cachefrom"), !cacheFrom.utf8.isEmpty,
           case .success(let json) = JSONParser.parse(Array(cacheFrom.utf8)), let names = json.array,
           names.contains(where: {
               switch imageAccess($0.string ?? "") {
               case .foreign, .unknown, .shortID: return true
               case .own, .shared, .absent: return false
               }
           }) {
            return .answer(status: 403, message: "sockwarden: a cache-from image is not available to job \(owner.id); remove it")
        }
        return nil
    }

    /// `POST /commit` on a job socket: the container was checked already;
    /// the new name must be one the job may take, and neither the body nor
    /// `changes` may set the owner label (the committed image inherits the
    /// job's container's labels, owner label included) or the create mark.
    func checkCommit(_ query: GoQuery, body: [UInt8]?) -> Outcome? {
        if let refusal = ImageNames.checkChanges(query.all("changes")) { return .answer(status: refusal.status, message: refusal.message) }
        if let body, OwnerLabelGuard.contains(body, Array("\"\(JobOwner.labelKey)\"".utf8)) {
            return .answer(status: 403, message: "sockwarden: the label \(JobOwner.labelKey) is set by sockwarden on a job socket; remove it from the request")
        }
        if let body, OwnerLabelGuard.contains(body, Array("\"\(CreateMarks.labelKey)\"".utf8)) {
            return .answer(status: 403, message: "sockwarden: the label \(CreateMarks.labelKey) is set by sockwarden on a job socket; remove it from the request")
        }
        if case .refused(let outcome) = newName(repo: query.first("repo") ?? "", tag: query.first("tag") ?? "", pull: false) {
            return outcome
        }
        // The forwarded body is the canonical one: its key is exactly "OnBuild".
        var triggers: [String] = []
        if let body, case .success(let json) = JSONParser.parseFirstValue(body) {
            triggers = (json.value.member("OnBuild")?.array ?? []).map { $0.string ?? "" }
        }
        return checkStoredTriggers(triggers, changes: query.all("changes"))
    }

    enum ImageAccess {
        case own(labelled: Bool)
        case shared
        case foreign
        /// Not on the daemon: forwarded, and the daemon answers.
        case absent
        /// The daemon could not say (an error, an answer too large to read):
        /// refused, never taken for absent.
        case unknown(String)
        /// A name the daemon may read as another image's ID prefix: refused
        /// where it is not forwarded as the full ID it resolves to.
        case shortID

        var isForeign: Bool {
            if case .foreign = self { return true }
            return false
        }

    }

    /// What the daemon would find for `name`, and whose it is.
    func imageAccess(_ name: String) -> ImageAccess {
        imageAccessAndID(name).access
    }

    /// The same, with the ID of the image found (nil: none found, or no ID in the answer).
    func imageAccessAndID(_ name: String) -> (access: ImageAccess, id: String?) {
        if ImageNames.readsAsIDPrefix(name) { return (.shortID, nil) }
        let escaped = DaemonLookup.escape(name)
        guard !escaped.isEmpty, escaped != ".", escaped != ".." else { return (.absent, nil) }
        let info: JSONValue
        switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
        case .notFound: return (.absent, nil)
        case .failed(let why): return (.unknown(why), nil)
        case .ok(let found): info = found
        }
        let id = info.member("Id")?.string
        return (imageAccess(name, info), id.flatMap { ImageNames.isFullID($0) ? $0 : nil })
    }

    /// Whose the image the daemon found for `name` is (`info`: its inspect).
    func imageAccess(_ name: String, _ info: JSONValue) -> ImageAccess {
        switch imageOwnership(name, info) {
        case .own:
            let labels = Self.labels(info.member("Config")?.member("Labels"))
            return .own(labelled: labels.contains { $0.key.utf8.elementsEqual(JobOwner.labelKey.utf8) })
        case .shared: return .shared
        case .foreign: return .foreign
        }
    }

    func imageOwnership(_ asked: String, _ info: JSONValue) -> ImageOwnership {
        let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
        let id = info.member("Id")?.string
        return ImageNames.ownership(asked: asked, id: id, labels: Self.labels(info.member("Config")?.member("Labels")), repoTags: tags,
                                    repoDigests: (info.member("RepoDigests")?.array ?? []).compactMap(\.string),
                                    owner: owner, recorded: madeImages, claimant: { self.claims.claimant($0, onImage: id) })
    }

    enum NewName {
        /// No name is given (an untagged commit or import).
        case none
        /// The normalised name, free or already the job's.
        case free(String)
        case refused(Outcome)
    }

    /// Whether the job may give an image the name `repo[:tag]`. A name on
    /// another job's image, or (except for a pull) on a shared image, is
    /// refused: moving it would change what other jobs run.
    func newName(repo: String, tag: String, pull: Bool) -> NewName {
        if repo.utf8.isEmpty { return .none }
        guard let target = ImageNames.target(repo: repo, tag: tag), pull || !target.utf8.contains(UInt8(ascii: "@")) else {
            return .refused(.answer(status: 400, message: "sockwarden: \(repo)\(tag.isEmpty ? "" : ":" + tag) is not an image name sockwarden can read (lower-case name[:tag]); a job socket only gives images names it can check"))
        }
        switch lookup.get(ObjectKind.image.inspectPath(DaemonLookup.escape(target))) {
        case .notFound:
            return .free(target)
        case .failed(let why):
            return .refused(.answer(status: 503, message: "sockwarden: cannot check whether the name \(ImageNames.familiar(target)) is in use: \(why)"))
        case .ok(let info):
            switch imageOwnership(target, info) {
            case .own:
                // A pull puts the name on the pulled image, which is shared:
                // the job's claim, on the image it tagged, no longer counts.
                return .free(target)
            case .shared where pull:
                // Not over a shared image made on this host: the registry's
                // image under that name would replace it for every job.
                let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
                if LocalImageNames.pullReplaces(target: target, repoDigests: digests) {
                    let refusal = LocalImageNames.refusal(name: ImageNames.familiar(target), build: false)
                    return .refused(.answer(status: refusal.status, message: refusal.message))
                }
                return .free(target)
            case .shared, .foreign:
                return .refused(.answer(status: 409, message: "sockwarden: the image name \(ImageNames.familiar(target)) is in use and is not job \(owner.id)'s; names are shared by every job on the daemon, so choose another (for example one with the job id in its tag)"))
            }
        }
    }

    /// A new tag `target` on the shared image `source` (a claim): refused
    /// when removing it later would take the image's digest references
    /// along (`DigestReferences.claimRisks`); nil to go on.
    func claimRefusal(source: String, target: String) -> Outcome? {
        let escaped = DaemonLookup.escape(source)
        guard !escaped.isEmpty else { return nil }
        switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
        case .notFound: return nil
        case .failed(let why): return unknown(source, why)
        case .ok(let info):
            let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
            let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
            let id = info.member("Id")?.string
            let risks = DigestReferences.claimRisks(target: target, repoTags: tags, repoDigests: digests,
                                                    claimant: { self.claims.claimant($0, onImage: id) })
            guard !risks.isEmpty else { return nil }
            let refusal = DigestReferences.claimRefusal(target: target, digests: risks)
            return .answer(status: refusal.status, message: refusal.message)
        }
    }

    /// A delete of the job's claim `name` (a tag on a shared image):
    /// refused when the daemon would remove the image's digest references
    /// with it (`DigestReferences.takenAlong`); nil to forward.
    func claimDeleteRefusal(_ name: String) -> Outcome? {
        let escaped = DaemonLookup.escape(name)
        switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
        case .notFound: return nil
        case .failed(let why): return unknown(name, why)
        case .ok(let info):
            let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
            let digests = (info.member("RepoDigests")?.array ?? []).compactMap(\.string)
            let taken = DigestReferences.takenAlong(untagging: name, repoTags: tags, repoDigests: digests)
            guard !taken.isEmpty else { return nil }
            let refusal = DigestReferences.deleteRefusal(name: name, digests: taken)
            return .answer(status: refusal.status, message: refusal.message)
        }
    }

    /// A pull (or a build's pull, or a push) of `reference` into a
    /// repository where the runner has a name on a shared image made on this
    /// host (`LocalImageNames.localTags`): refused with 409, since it could
    /// move that name, or give that image a digest reference there after
    /// which a pull could move it. nil to go on.
    func localRepositoryRefusal(_ reference: String, route: String) -> Outcome? {
        guard let normal = ImageReference.normalise(reference), let repository = DigestReferences.repository(normal) else { return nil }
        let listed = ImageNames.untagged(ImageNames.familiar(repository + ":latest"))
        let filters = GoEncoder.render(.object([JSONMember("reference", .array([.string(listed)]))]))
        switch lookup.get("/images/json?filters=" + QueryRewrite.escape(String(decoding: filters, as: UTF8.self))) {
        case .notFound:
            return nil
        case .failed(let why):
            return .answer(status: 503, message: "sockwarden: cannot check the images of \(listed): \(why)")
        case .ok(let images):
            let local = LocalImageNames.localTags(in: repository, images: images.array ?? []) { name, id in
                self.claims.claimant(name, onImage: id) != nil
            }
            guard let first = local.first else { return nil }
            let refusal = LocalImageNames.repositoryRefusal(repository: listed, local: ImageNames.familiar(first), route: route)
            return .answer(status: refusal.status, message: refusal.message)
        }
    }

    func sharedRefusal(_ name: String) -> Outcome {
        .answer(status: 403, message: "sockwarden: image \(name) is shared by every job (a base image, or not made through this job's socket); a job socket does not remove it")
    }

    /// What a short or bare hex reference is now, read as the daemon reads it.
    enum ShortIDResolution {
        /// No image has it as a name or ID prefix.
        case missing
        /// An image has it as a name (`cafe:latest`): refused, since the
        /// daemon reads it as an ID prefix once that tag is gone.
        case tagName
        /// Found by ID prefix: the image's full ID, and whose it is.
        case image(id: String, access: ImageAccess)
        case unknown(String)
    }

    /// The daemon is asked first; when it finds nothing (no image, or a
    /// prefix several images on it share) or another job's image (by the
    /// prefix, or by a tag `name:latest` not in the job's view), the
    /// prefix is searched again among the images of the job's view alone
    /// (`JobView.image`), as the daemon would search a daemon holding only
    /// them.
    func resolveShortID(_ name: String) -> ShortIDResolution {
        let escaped = DaemonLookup.escape(name)
        guard !escaped.isEmpty else { return .missing }
        switch lookup.get(ObjectKind.image.inspectPath(escaped)) {
        case .notFound: return resolveShortIDInView(name)
        case .failed(let why): return .unknown(why)
        case .ok(let info):
            guard let id = info.member("Id")?.string, id.utf8.count == 71 else { return .unknown("the daemon's answer has no image ID") }
            let access = imageAccess(name, info)
            if access.isForeign { return resolveShortIDInView(name) }
            let tags = (info.member("RepoTags")?.array ?? []).compactMap(\.string)
            if let asName = ImageReference.normalise(name + ":latest"), tags.contains(where: { ImageReference.normalise($0) == asName }) {
                return .tagName
            }
            return .image(id: id, access: access)
        }
    }

    /// A short ID searched among the job's view (`ImageListFilter`) only:
    /// the one image of it the prefix names, else missing.
    private func resolveShortIDInView(_ name: String) -> ShortIDResolution {
        // Without `all`: the daemon leaves out the untagged images with children (build steps,
        // never in a job's view, and on a busy daemon most of the list); the job's own images
        // are added by their recorded IDs (one removed since is not found by the inspect below).
        guard case .ok(let listed) = lookup.get("/images/json") else {
            return .unknown("the daemon's images could not be listed")
        }
        let made = madeImages
        let view = ImageListFilter.filter(listed.array ?? [], owner: owner, recorded: made,
                                          foreignClaims: claims.foreign(to: owner.id))
        let ids = Array(Set(view.compactMap { $0.member("Id")?.string }).union(made))
        guard case .one(let id) = JobView.image(name, own: ids) else { return .missing }
        switch lookup.get(ObjectKind.image.inspectPath(id)) {
        case .notFound: return .missing
        case .failed(let why): return .unknown(why)
        case .ok(let info):
            // Whose it is, as for a prefix the daemon found (the list and the inspect may be moments apart).
            let access = imageAccess(name, info)
            guard info.member("Id")?.string == id, !access.isForeign else { return .missing }
            return .image(id: id, access: access)
        }
    }

    /// A short or bare hex reference, forwarded as the full ID it resolved
    /// to (the daemon would look the prefix up again, after a tag of that
    /// name could have gone and left it to another image). `allow` refuses,
    /// or returns nil to forward.
    func pinnedShortID(_ name: String, _ route: String, _ match: EndpointMatch, parameter: String,
                       allow: (ImageAccess, String) -> Outcome?) -> Outcome {
        switch resolveShortID(name) {
        case .missing: return missing(route, name)
        case .tagName: return shortID(name)
        case .unknown(let why): return unknown(name, why)
        case .image(let id, let access):
            if case .foreign = access { return missing(route, name) }
            if let refusal = allow(access, id) { return refusal }
            var parameters = match.parameters
            parameters[parameter] = id
            return .forward(target: Self.target(match, parameters: parameters), body: nil)
        }
    }

    func shortID(_ name: String) -> Outcome {
        let refusal = ImageNames.shortIDRefusal(name)
        return .answer(status: refusal.status, message: refusal.message)
    }

    func unknown(_ name: String, _ why: String) -> Outcome {
        .answer(status: 503, message: "sockwarden: cannot check whose image \(name) is: \(why)")
    }

    /// The daemon's answer for a missing image, per route (a save by ID
    /// names the daemon's data root, asked of `/info`).
    func missing(_ route: String, _ name: String) -> Outcome {
        var storage: (root: String, driver: String)?
        if route == "image.get" || route == "image.get.all", case .ok(let info) = lookup.get("/info"),
           let root = info.member("DockerRootDir")?.string, let driver = info.member("Driver")?.string {
            storage = (root, driver)
        }
        let refusal = ImageNames.missing(route: route, name: name, storage: storage)
        return .answer(status: refusal.status, message: refusal.message, raw: refusal.raw)
    }

    /// `/info`'s container and image counts as the job's own (`InfoFilter`):
    /// its containers in any state, and the images in its view.
    func infoCounts(foreignClaims: Set<String>) -> InfoFilter.Counts? {
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        guard case .ok(let containers) = lookup.get("/containers/json?all=1&filters=\(filter)"),
              case .ok(let images) = lookup.get("/images/json?all=1") else { return nil }
        let view = ImageListFilter.filter(images.array ?? [], owner: owner, recorded: madeImages, foreignClaims: foreignClaims)
        return InfoFilter.counts(containers: ownContainers(containers), images: view.count)
    }

    /// The filter of a forwarded answer on a job socket (lists that the
    /// daemon cannot scope by label; volumes and networks without the owner
    /// label, `OwnerLabelFilter`), or nil.
    /// `mark`: a container create's `CreateMarks` mark.
    func responseFilter(for route: Route, rawQuery: String? = nil, mark: String? = nil) -> (@Sendable ([UInt8]) -> [UInt8]?)? {
        let owner = self.owner
        let foreign = claims.foreign(to: owner.id)
        let containers = self.containers
        let images = madeImages
        switch route.name {
        case "container.create":
            // Recorded before the client has the ID: the job's from its first use.
            return { answer in
                if let id = JobContainers.createdID(answer) { containers.created(id, mark: mark, job: owner.id) }
                return answer
            }
        case "container.list":
            let recorded = containers.ids(of: owner.id)
            let limit = JobContainers.listLimit(rawQuery)
            return { JobContainers.list($0, owner: owner, recorded: recorded, limit: limit) }
        case "system.df":
            let recorded = containers.ids(of: owner.id)
            return { DiskUsageFilter.filter($0, owner: owner, foreignClaims: foreign, containers: recorded, images: images) }
        case "system.info":
            // Counted before the answer: nil (the answer is not passed on) when the daemon cannot list them.
            guard let counts = infoCounts(foreignClaims: foreign) else { return { _ in nil } }
            return { InfoFilter.filter($0, counts: counts) }
        case "image.list": return { ImageListFilter.filter($0, owner: owner, recorded: images, foreignClaims: foreign) }
        case "container.commit":
            // Recorded before the client has the ID, as a container create's.
            return { answer in
                if let id = JobImages.committedID(answer) { self.madeImage(id, mark: mark) }
                return answer
            }
        case "image.create":
            // An import (no fromImage, as dockerd decides) makes the job's image; a pull a shared one, streamed as it comes.
            guard (GoQuery.parse(rawQuery)?.first("fromImage") ?? "").utf8.isEmpty else { return nil }
            return { answer in
                if let id = JobImages.importedID(answer) { self.madeImage(id, mark: mark) }
                return answer
            }
        case "image.inspect": return { ImageTagFilter.inspect($0, foreignClaims: foreign) }
        case "image.history": return { ImageTagFilter.history($0, foreignClaims: foreign) }
        case "volume.inspect", "volume.create", "network.inspect": return { OwnerLabelFilter.object($0) }
        case "volume.list": return { OwnerLabelFilter.volumeList($0) }
        case "network.list", "network.list.slash": return { OwnerLabelFilter.networkList($0) }
        default: return nil
        }
    }
}
