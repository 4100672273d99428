<#
.SYNOPSIS
  Installs or upgrades the KeyReady Agent from its MSI, silently, with a verbose Windows Installer log.

.DESCRIPTION
  Runs msiexec /i with the KeyReady properties and exits with msiexec's exit code (0 success,
  3010 success but restart needed, 1603 failure, ...), so Intune, ConfigMgr or a GPO startup script
  sees the real result. Does nothing (exit 0) when this version is already installed, so it is safe
  as a computer startup script. Run it elevated (as SYSTEM or an administrator).

  A first install needs -CollectorUrl; an upgrade or repair may leave every parameter out: the
  agent keeps %ProgramData%\KeyReady\agent.json as it is (the device token and unsent reports too).

.EXAMPLE
  .\Install-KeyReady.ps1 -CollectorUrl wss://keyready.example.com:8443 -EnrollSecret 'fleet-secret' -Tags 'site=Osaka;dept=Sales'
#>
[CmdletBinding()]
param(
  # The MSI; by default the newest KeyReadyAgent-<version>-x64.msi beside this script.
  [string]$MsiPath,
  [string]$CollectorUrl,
  [string]$EnrollSecret,
  # sha256/<base64> of the collector certificate's public key, or its SHA-256 fingerprint in hex (self-signed collectors).
  [string]$CertificatePin,
  # Only for a collector without TLS on another host: allows plain ws:// (reports and the device token in clear).
  [switch]$AllowInsecure,
  # name=value pairs separated by ';', e.g. 'site=Osaka;dept=Sales'.
  [string]$Tags,
  [string]$LogPath = (Join-Path $env:windir 'Temp\KeyReadyAgent-install.log')
)
$ErrorActionPreference = 'Stop'
function Stop-WithError([string]$Message) { [Console]::Error.WriteLine($Message); exit 1 }

if (-not $MsiPath) {
  $MsiPath = Get-ChildItem -Path $PSScriptRoot -Filter 'KeyReadyAgent-*-x64.msi' | Sort-Object LastWriteTime | Select-Object -Last 1 -ExpandProperty FullName
  if (-not $MsiPath) { Stop-WithError "No KeyReadyAgent-<version>-x64.msi next to ${PSCommandPath}: pass -MsiPath." }
}
$MsiPath = (Resolve-Path -LiteralPath $MsiPath).Path

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Stop-WithError 'Run this script elevated (as an administrator or SYSTEM): the agent installs a service.'
}

# The same version again would be installed a second time beside itself (every build has its own
# ProductCode); an identical version is "already done". Read from the 64-bit registry view whatever
# PowerShell this is.
$installed = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64').OpenSubKey('SOFTWARE\KeyReady\Agent')
$installedVersion = if ($installed) { $installed.GetValue('Version') } else { $null }
if ($MsiPath -match 'KeyReadyAgent-(\d+\.\d+\.\d+)-x64\.msi$' -and $installedVersion -eq $Matches[1]) {
  Write-Output "KeyReady Agent $installedVersion is already installed."
  exit 0
}
if (-not $installedVersion -and -not $CollectorUrl -and -not (Test-Path (Join-Path $env:ProgramData 'KeyReady\agent.json'))) {
  Stop-WithError 'A first install needs -CollectorUrl wss://host:port (and usually -EnrollSecret).'
}

# msiexec's own quoting: PROPERTY="value", a quote inside doubled.
function Format-Property([string]$Name, [string]$Value) { '{0}="{1}"' -f $Name, ($Value -replace '"', '""') }
$arguments = @('/i', "`"$MsiPath`"", '/qn', '/norestart', '/l*v', "`"$LogPath`"")
if ($CollectorUrl) { $arguments += Format-Property 'COLLECTOR_URL' $CollectorUrl }
if ($EnrollSecret) { $arguments += Format-Property 'ENROLL_SECRET' $EnrollSecret }
if ($CertificatePin) { $arguments += Format-Property 'CERTIFICATE_PIN' $CertificatePin }
if ($AllowInsecure) { $arguments += Format-Property 'ALLOW_INSECURE' '1' }
if ($Tags) { $arguments += Format-Property 'TAGS' $Tags }

$msiexec = Start-Process -FilePath (Join-Path $env:windir 'System32\msiexec.exe') -ArgumentList ($arguments -join ' ') -Wait -PassThru
$code = $msiexec.ExitCode
if ($code -eq 0 -or $code -eq 3010 -or $code -eq 1641) {
  Write-Output "KeyReady Agent installed (msiexec exit code $code). Log: $LogPath"
} else {
  Write-Output "KeyReady Agent install failed (msiexec exit code $code). Log: $LogPath"
  # keyready-agent setup says why in its own log (an MSI log shows only its exit code).
  $setupLog = Join-Path $env:ProgramData 'KeyReady\setup.log'
  if (Test-Path $setupLog) { Get-Content -Path $setupLog -Tail 5 -Encoding UTF8 | Write-Output }
}
exit $code
