import Foundation
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyRemoteSinks

/// Where AWS credentials come from: the environment first, then the profile in the shared
/// credentials file, then in the config file.
@Suite struct AWSCredentialsLoaderTests {
    @Test func theEnvironmentComesFirstWithItsSessionToken() throws {
        let loaded = try AWSCredentialsLoader(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ]).load()
        #expect(loaded.accessKeyID == "AKIAENV")
        #expect(loaded.secretAccessKey.revealed == "env-secret")
        #expect(loaded.sessionToken?.revealed == "env-token")
    }

    @Test func theProfileOfTheSharedCredentialsFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(
            "credentials",
            """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            # a comment
            [ci]
            aws_access_key_id=AKIACI
            aws_secret_access_key = ci-secret
            aws_session_token = ci-token
            """)
        let base = ["AWS_SHARED_CREDENTIALS_FILE": dir.file("credentials"), "AWS_CONFIG_FILE": "/nonexistent"]
        let fallback = try AWSCredentialsLoader(environment: base).load()
        #expect(fallback.accessKeyID == "AKIADEFAULT")
        #expect(fallback.sessionToken == nil)
        let profile = try AWSCredentialsLoader(environment: base.merging(["AWS_PROFILE": "ci"]) { $1 }).load()
        #expect(profile.accessKeyID == "AKIACI")
        #expect(profile.secretAccessKey.revealed == "ci-secret")
        #expect(profile.sessionToken?.revealed == "ci-token")
    }

    @Test func aNamedProfileInTheConfigFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("config", "[profile ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = ops-secret\n")
        let loaded = try AWSCredentialsLoader(environment: [
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": dir.file("config"), "AWS_PROFILE": "ops",
        ]).load()
        #expect(loaded.accessKeyID == "AKIAOPS")
    }

    @Test func nothingFoundNamesEveryPlaceLooked() {
        #expect {
            try AWSCredentialsLoader(environment: ["HOME": "/home/none", "AWS_PROFILE": "x"]).load()
        } throws: { error in
            let text = "\(error)"
            return text.contains("/home/none/.aws/credentials") && text.contains("/home/none/.aws/config")
                && text.contains("profile 'x'")
        }
    }
}
