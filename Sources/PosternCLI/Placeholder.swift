import PosternPolicy
/// Placeholder CLI module.
public enum PosternCLIPlaceholder {}
