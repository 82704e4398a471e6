// The job files `rekey demo` writes: the same shapes as the examples in jobs/, pointed
// at the sandbox.

import Foundation

enum DemoJobs {
    static func questionPro(url: URL, accounts: [QuestionProAccount]) -> String {
        var text = """
            # QuestionPro keys for tenant acme, pointed at the sandbox vendor.
            defaults:
              tenant: acme
              provider:
                kind: questionpro.api-key
                base_url: \(url.absoluteString)
              policy:
                every: 30d
                retry: {attempts: 4, base: 100ms, max: 2s, timeout: 5s}
              hooks:
                - argv: [/bin/true]
            jobs:

            """
        for (index, account) in accounts.enumerated() {
            let env = index == 0 ? "prod" : "staging"
            text += """
                  - name: acme-\(env)-questionpro
                    env: \(env)
                    provider: {organization_id: "\(account.organizationID)"}
                    credentials:
                      api_key: {sink: app-env}
                    sinks:
                      - id: app-env
                        kind: env-file
                        path: ../sinks/acme-\(env).env
                        key: QUESTIONPRO_API_KEY

                """
        }
        return text
    }

    static func qrvey(url: URL, username: String) -> String {
        """
        # Qrvey admin and composer tokens for tenant acme, pointed at the sandbox vendor.
        defaults:
          tenant: acme
          env: prod
          policy:
            retry: {attempts: 4, base: 100ms, max: 2s, timeout: 5s}
        jobs:
          - name: acme-prod-qrvey-admin
            provider:
              kind: qrvey.admin-token
              base_url: \(url.absoluteString)
              username: \(username)
            credentials:
              access_key: {file: ../credentials/qrvey-access-key}
            policy: {every: 12h}
            sinks:
              - {id: token, kind: file, path: ../sinks/qrvey-admin.token, newline: true}
          - name: acme-prod-qrvey-composer
            provider:
              kind: qrvey.composer-token
              base_url: \(url.absoluteString)
              user_id: demo-user
              app_id: demo-app
              expires_in: 1w
            credentials:
              api_key: {file: ../credentials/qrvey-api-key}
            policy: {renew_before: 1d}
            sinks:
              - {id: token, kind: env-file, path: ../sinks/analytics.env, key: QRVEY_COMPOSER_TOKEN}

        """
    }

    /// A two-key vendor (the sandbox's described one): a second key is added, delivered and
    /// verified, and only then is the old one (`previousID`) revoked — in the same run, as
    /// `after: 0s` asks. The app holds a working key at every moment.
    static func twoKey(url: URL, previousID: String) -> String {
        """
        # A vendor described in the job file (kind: http) that allows two keys at once.
        name: acme-prod-maps
        tenant: acme
        env: prod
        provider:
          kind: http
          rotation: two-key
          issue:
            method: POST
            url: \(url.absoluteString)/v1/keys
            headers: {Authorization: "Bearer {{credentials.api_key}}"}
            body: {note: "rekey {{job.name}}"}
            secret: /data/key
            id: /data/id
          probe:
            url: \(url.absoluteString)/v1/me
            headers: {Authorization: "Bearer {{secret}}"}
          revoke:
            method: DELETE
            url: \(url.absoluteString)/v1/keys/{{previous.id}}
            headers: {Authorization: "Bearer {{secret}}"}
            after: 0s
        credentials:
          api_key: {sink: app-env}
        previous_id: \(previousID)
        policy:
          every: 30d
          retry: {attempts: 4, base: 100ms, max: 2s, timeout: 5s}
        sinks:
          - {id: app-env, kind: env-file, path: ../sinks/maps.env, key: MAPS_API_KEY}

        """
    }
}
