/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/render/slack.test.ts > TAP > slack message of httpScan > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "HTTP scan incident (created)",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            601366f227a5d5001fe83586
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Source IPs
            213.245.178.46 (Paris, FRA)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2021-01-29T01:39:04.897000+00:00
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Incident thread
            track_collection_401be473f7c55f732882c781fb007a35
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Incident status
            created
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date last updated
            2021-01-29T02:02:10.118000+00:00
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
  ],
  "mrkdwn": false,
  "text": String(
    HTTP scan incident (created)
    Application: 601366f227a5d5001fe83586
    Source IPs: 213.245.178.46 (Paris, FRA)
    Date: 2021-01-29T01:39:04.897000+00:00
    Incident thread: track_collection_401be473f7c55f732882c781fb007a35
    Incident status: created
    Date last updated: 2021-01-29T02:02:10.118000+00:00
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`

exports[`test/render/slack.test.ts > TAP > slack message of pulse > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "Massive account takeover attempts on user@example.com",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "text": Object {
        "emoji": false,
        "text": "From Paris, France",
        "type": "plain_text",
      },
      "type": "section",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            APPLICATION (production)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Accounts
            user@example.com
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Pulse
            account_takeover
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Blocked
            yes
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2019-11-20T21:47:00.090825+00:00
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
    Object {
      "elements": Array [
        Object {
          "action_id": "open_in_sqreen",
          "text": Object {
            "text": "Open in Sqreen",
            "type": "plain_text",
          },
          "type": "button",
          "url": "https://my.sqreen.com/application/5dd058775c3feb0021c0bb43/pulses/5dd5b454e56c7e0024169b4b",
        },
      ],
      "type": "actions",
    },
  ],
  "mrkdwn": false,
  "text": String(
    Massive account takeover attempts on user@example.com
    From Paris, France
    Application: APPLICATION (production)
    Accounts: user@example.com
    Pulse: account_takeover
    Blocked: yes
    Date: 2019-11-20T21:47:00.090825+00:00
    https://my.sqreen.com/application/5dd058775c3feb0021c0bb43/pulses/5dd5b454e56c7e0024169b4b
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`

exports[`test/render/slack.test.ts > TAP > slack message of securityEventV1 > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "Security event: auth tor tentative",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "text": Object {
        "emoji": false,
        "text": "Connection to jeff45@harrell.com from TOR (135.96.171.118)",
        "type": "plain_text",
      },
      "type": "section",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            Demo app (production)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Source IPs
            135.96.171.118 (Sag, ROU, Tor)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Accounts
            jeff45@harrell.com
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Event
            authentication / auth_tor_tentative
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2016-12-21T07:22:32.732000+00:00
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
    Object {
      "elements": Array [
        Object {
          "action_id": "open_in_sqreen",
          "text": Object {
            "text": "Open in Sqreen",
            "type": "plain_text",
          },
          "type": "button",
          "url": "https://my.sqreen.com/application/d8b47501fad44fb28d09967e1f1b09a258d85f4ba5d44e759b886f9663e7cf01/events/587b234e4891d57c1bf5c8c9",
        },
      ],
      "type": "actions",
    },
  ],
  "mrkdwn": false,
  "text": String(
    Security event: auth tor tentative
    Connection to jeff45@harrell.com from TOR (135.96.171.118)
    Application: Demo app (production)
    Source IPs: 135.96.171.118 (Sag, ROU, Tor)
    Accounts: jeff45@harrell.com
    Event: authentication / auth_tor_tentative
    Date: 2016-12-21T07:22:32.732000+00:00
    https://my.sqreen.com/application/d8b47501fad44fb28d09967e1f1b09a258d85f4ba5d44e759b886f9663e7cf01/events/587b234e4891d57c1bf5c8c9
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`

exports[`test/render/slack.test.ts > TAP > slack message of securityEventV2 > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "Security event: not found",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "text": Object {
        "emoji": false,
        "text": "Potential Vulnerability discovery from 103.6.198.100",
        "type": "plain_text",
      },
      "type": "section",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            montres-berger (production)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Source IPs
            103.6.198.100 (MYS)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Event
            http_error / not_found
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Risk
            25
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2021-01-30T10:03:54.905000+00:00
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
    Object {
      "elements": Array [
        Object {
          "action_id": "open_in_sqreen",
          "text": Object {
            "text": "Open in Sqreen",
            "type": "plain_text",
          },
          "type": "button",
          "url": "https://my.sqreen.com/application/601366f227a5d5001fe83586/events/60152f0bbdc966000fc88b58",
        },
      ],
      "type": "actions",
    },
  ],
  "mrkdwn": false,
  "text": String(
    Security event: not found
    Potential Vulnerability discovery from 103.6.198.100
    Application: montres-berger (production)
    Source IPs: 103.6.198.100 (MYS)
    Event: http_error / not_found
    Risk: 25
    Date: 2021-01-30T10:03:54.905000+00:00
    https://my.sqreen.com/application/601366f227a5d5001fe83586/events/60152f0bbdc966000fc88b58
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`

exports[`test/render/slack.test.ts > TAP > slack message of securityResponse > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "Security response: Test Playbook",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            interview_backend (development)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Source IPs
            127.0.0.1
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Accounts
            sqreen@example.com
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2020-07-17T22:33:26.287038+00:00
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
  ],
  "mrkdwn": false,
  "text": String(
    Security response: Test Playbook
    Application: interview_backend (development)
    Source IPs: 127.0.0.1
    Accounts: sqreen@example.com
    Date: 2020-07-17T22:33:26.287038+00:00
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`

exports[`test/render/slack.test.ts > TAP > slack message of test > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "Test notification from Sqreen",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            "workorders" (development)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Source IPs
            42.42.42.42
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Event
            test / test_kind
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Risk
            42
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2019-08-16T18:56:33.080773+00:00
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
    Object {
      "elements": Array [
        Object {
          "action_id": "open_in_sqreen",
          "text": Object {
            "text": "Open in Sqreen",
            "type": "plain_text",
          },
          "type": "button",
          "url": "http://test/",
        },
      ],
      "type": "actions",
    },
  ],
  "mrkdwn": false,
  "text": String(
    Test notification from Sqreen
    Application: "workorders" (development)
    Source IPs: 42.42.42.42
    Event: test / test_kind
    Risk: 42
    Date: 2019-08-16T18:56:33.080773+00:00
    http://test/
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`

exports[`test/render/slack.test.ts > TAP > slack message of unknownType > must match snapshot 1`] = `
Object {
  "blocks": Array [
    Object {
      "text": Object {
        "emoji": false,
        "text": "Credential stuffing notification",
        "type": "plain_text",
      },
      "type": "header",
    },
    Object {
      "fields": Array [
        Object {
          "emoji": false,
          "text": String(
            Application
            montres-berger (production)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Source IPs
            198.51.100.7 (DEU, Tor)
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Blocked
            no
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Date
            2021-03-01T10:00:00+00:00
          ),
          "type": "plain_text",
        },
        Object {
          "emoji": false,
          "text": String(
            Attempts
            1200
          ),
          "type": "plain_text",
        },
      ],
      "type": "section",
    },
  ],
  "mrkdwn": false,
  "text": String(
    Credential stuffing notification
    Application: montres-berger (production)
    Source IPs: 198.51.100.7 (DEU, Tor)
    Blocked: no
    Date: 2021-03-01T10:00:00+00:00
    Attempts: 1200
  ),
  "unfurl_links": false,
  "unfurl_media": false,
}
`
