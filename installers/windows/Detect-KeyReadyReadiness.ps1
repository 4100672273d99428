<#
.SYNOPSIS
  Intune Remediations detection script: is this PC ready for ATKey passwordless sign-in?

.DESCRIPTION
  Runs `keyready-agent.exe check --json` (no collector needed) and maps its exit code to Intune's:
    check 0 ready                  -> exit 0 (Intune: without issues)
    check 1 not ready or unknown   -> exit 1 (Intune: with issues; the remediation script runs, if any)
    check 2 error, or no agent     -> exit 1
  Its one output line is what Intune shows as "Pre-remediation detection output", e.g.
    KeyReady: not-ready; blocking: policy.security-key, credprov.fido; unknown: join.device-auth
  "blocking" lists the failed checks of this PC, "unknown" those it could not read. The key and
  user checks are not part of this verdict (the key may be unplugged; the user's token is read in
  the user's session): the KeyReady dashboard shows them.
  Intune settings: run as SYSTEM (logged-on credentials: No), 64-bit PowerShell: Yes.
#>
$ErrorActionPreference = 'Stop'

# The MSI records where it installed the agent, in the 64-bit registry view.
$agentKey = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64').OpenSubKey('SOFTWARE\KeyReady\Agent')
$installDir = if ($agentKey) { $agentKey.GetValue('InstallDir') } else { $null }
$exe = if ($installDir) { Join-Path $installDir 'keyready-agent.exe' } else { $null }
if (-not $exe -or -not (Test-Path -LiteralPath $exe)) {
  Write-Output 'KeyReady: agent not installed'
  exit 1
}

# The agent writes UTF-8; check ids and readiness are ASCII, the rest is English (--lang en).
[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
# Windows PowerShell 5.1 turns a native program's stderr into a terminating error under 'Stop'.
$ErrorActionPreference = 'Continue'
$output = & $exe check --json --lang en 2>&1
$checkExit = $LASTEXITCODE
$ErrorActionPreference = 'Stop'
$stderr = ($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) -join ' '
$json = ($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }) -join "`n"

if ($checkExit -ne 0 -and $checkExit -ne 1) {
  Write-Output ("KeyReady: error (check exit code {0}) {1}" -f $checkExit, $stderr).Trim()
  exit 1
}
try {
  $report = $json | ConvertFrom-Json
} catch {
  Write-Output ("KeyReady: error (check printed no report) $stderr").Trim()
  exit 1
}

$blocking = @($report.blocking)
$failed = @($report.checks | Where-Object { $blocking -contains $_.id -and $_.status -eq 'fail' } | ForEach-Object { $_.id })
$unknown = @($report.checks | Where-Object { $blocking -contains $_.id -and $_.status -eq 'unknown' } | ForEach-Object { $_.id })
$line = "KeyReady: $($report.readiness)"
if ($failed.Count -gt 0) { $line += "; blocking: $($failed -join ', ')" }
if ($unknown.Count -gt 0) { $line += "; unknown: $($unknown -join ', ')" }
Write-Output $line
if ($checkExit -eq 0) { exit 0 } else { exit 1 }
