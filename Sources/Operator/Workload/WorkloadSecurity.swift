import ComputeAPI
import KubeClient

/// The security settings every lease Pod gets. Tenants are strangers running arbitrary images, so
/// the container gets nothing beyond what an unprivileged process needs: no privilege escalation,
/// no capabilities, the runtime's default seccomp filter, no host namespaces, no volumes.
///
/// Running as non-root is the one restriction we cannot impose blindly: whether an image works
/// without root is a property of the image, and most public images (and CUDA bases) default to
/// root. Forcing `runAsNonRoot` would make such leases fail to start after the tenant paid. So it
/// is off unless the provider demands it, and `PodSecurityAdmission` is set to match: `baseline`
/// is enforced (it allows root but forbids everything else above), `restricted` is what the
/// cluster warns and audits about, so an administrator sees which leases run as root.
struct WorkloadSecurity: Equatable, Sendable {
    var requireNonRoot: Bool

    init(requireNonRoot: Bool) {
        self.requireNonRoot = requireNonRoot
    }

    init(policy: WorkloadPolicy) {
        self.init(requireNonRoot: policy.requireNonRoot)
    }

    /// The Pod Security Standard a namespace enforces: `restricted` needs `runAsNonRoot`.
    var enforcedLevel: String { requireNonRoot ? "restricted" : "baseline" }

    /// `latest` because the builder's own guarantees do not depend on the cluster version; a pinned
    /// version would need bumping with every Kubernetes release.
    var namespaceLabels: [String: String] {
        [
            PodSecurityLabels.enforce: enforcedLevel, PodSecurityLabels.enforceVersion: "latest",
            PodSecurityLabels.warn: "restricted", PodSecurityLabels.warnVersion: "latest",
            PodSecurityLabels.audit: "restricted", PodSecurityLabels.auditVersion: "latest",
        ]
    }

    var podSecurityContext: PodSecurityContext {
        var context = PodSecurityContext()
        context.seccompProfile = SeccompProfile(type: "RuntimeDefault")
        context.runAsNonRoot = requireNonRoot ? true : nil
        return context
    }

    /// `readOnlyRootFilesystem` stays unset: with no volumes (the container type has no volume
    /// mounts to give it a writable /tmp), a read-only root would break most images.
    var containerSecurityContext: SecurityContext {
        var context = SecurityContext()
        context.allowPrivilegeEscalation = false
        context.privileged = false
        context.capabilities = SecurityContext.Capabilities(drop: ["ALL"])
        context.seccompProfile = SeccompProfile(type: "RuntimeDefault")
        context.runAsNonRoot = requireNonRoot ? true : nil
        return context
    }
}
