// `Secret` lives in PosternSMTP, whose AUTH mechanisms consume it; the facade's password
// sources produce it. Re-exported so `import Postern` alone is enough to hold one.
@_exported import class PosternSMTP.Secret
