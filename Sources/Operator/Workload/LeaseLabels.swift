import ComputeAPI

/// Labels on every object the operator creates for a lease, so each can be traced back to its
/// lease (`kubectl get pods -A -l ncn.dev/lease=NAME`) and watches can be narrowed to ours.
public enum LeaseLabels {
    /// The ComputeLease's name.
    public static let lease = "ncn.dev/lease"
    /// The first 16 hex characters of the tenant's key, the same label the ComputeLease carries.
    public static let tenant = ComputeLease.Labels.tenant
    /// What part of the lease an object is; the Job, its Pod and the Service selector use `workloadComponent`.
    public static let component = "app.kubernetes.io/component"
    public static let workloadComponent = "workload"
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let managedByValue = LeaseWorkloadBuilder.fieldManager

    /// The labels that pick out a lease's workload Job and its Pod: the Service selector, and what a watch can filter on.
    public static func workloadSelector(forLease leaseName: String) -> [String: String] {
        [lease: leaseName, component: workloadComponent]
    }

    /// Labels common to every object of one lease.
    static func common(forLease leaseName: String, tenantPrefix: String) -> [String: String] {
        [lease: leaseName, tenant: tenantPrefix, managedBy: managedByValue]
    }
}

/// The Pod Security Admission labels (`pod-security.kubernetes.io/*`); clusters older than 1.23
/// ignore them, newer ones enforce them on top of what the builder already guarantees.
public enum PodSecurityLabels {
    public static let enforce = "pod-security.kubernetes.io/enforce"
    public static let enforceVersion = "pod-security.kubernetes.io/enforce-version"
    public static let warn = "pod-security.kubernetes.io/warn"
    public static let warnVersion = "pod-security.kubernetes.io/warn-version"
    public static let audit = "pod-security.kubernetes.io/audit"
    public static let auditVersion = "pod-security.kubernetes.io/audit-version"
}

/// The names of a lease's child objects inside its namespace. Fixed names make the objects easy
/// to find and make re-applying them idempotent.
public enum LeaseObjectNames {
    /// The Job; the Job controller names its Pod `workload-<random>`.
    public static let job = "workload"
    public static let container = "main"
    public static let service = "endpoints"
    public static let envSecret = "tenant-env"
    public static let resourceQuota = "lease-quota"
    public static let limitRange = "lease-limits"
    public static let defaultDenyPolicy = "default-deny"
    public static let egressPolicy = "allow-egress"
    public static let ingressPolicy = "allow-ingress"
}
