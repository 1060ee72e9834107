/// Placeholder; the policy engine lands here.
public enum PosternPolicyPlaceholder {}
