public enum MalphasSyntaxVersion { public static let current = "0.1.0" }
