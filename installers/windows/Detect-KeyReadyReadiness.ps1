<#
.SYNOPSIS
  Intune Remediations detection script: is this PC ready for ATKey passwordless sign-in?

.DESCRIPTION
  Runs `keyready-agent.exe check --json` (no collector needed) and maps the PC layer of its report
  (`layers.device`, protocol/README.md "The report") to Intune's exit code:
    PC ready                       -> exit 0 (Intune: without issues)
    PC not ready or unknown        -> exit 1 (Intune: with issues; the remediation script runs, if any)
    check exit 2, or no agent      -> exit 1
  Its one output line is what Intune shows as "Pre-remediation detection output", e.g.
    KeyReady: not-ready; blocking: policy.security-key, credprov.fido; unknown: join.device-auth
  "blocking" lists the failed checks of this PC, "unknown" those it could not decide. The key and
  user layers are not part of this verdict (the key may be unplugged; the user's token is read in
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

# The agent's own readiness also counts the key, which is usually not plugged in when Intune runs
# this as SYSTEM: judge the PC layer alone, as this script always has.
$pcChecks = @($report.checks | Where-Object { $_.scope -eq 'device' })
$failed = @($pcChecks | Where-Object { $_.status -eq 'fail' } | ForEach-Object { $_.id })
$unknown = @($pcChecks | Where-Object { $_.status -eq 'unknown' } | ForEach-Object { $_.id })
$pc = if ($failed.Count -gt 0) { 'not-ready' } elseif ($unknown.Count -gt 0) { 'unknown' } else { 'ready' }
$line = "KeyReady: $pc"
if ($failed.Count -gt 0) { $line += "; blocking: $($failed -join ', ')" }
if ($unknown.Count -gt 0) { $line += "; unknown: $($unknown -join ', ')" }
Write-Output $line
if ($pc -eq 'ready') { exit 0 } else { exit 1 }
