// English texts of the instruction sheets a helpdesk sends to a user (collector/api/instructions.ts):
// the AuthenTrend guide's user steps (2: the fingerprint on the key, 3: registering it, 4: signing in)
// addressed to the user, one per thing the user still has to do. Spread into en.ts; every key must
// exist in instructions.ja.ts.
export const instructionsEn = {
  'sheet.title': 'Sign in without a password: what to do with your ATKey',
  'sheet.for': 'For {user}',
  'sheet.pcs': 'Your PC: {pcs}',
  'sheet.pcs.many': 'Your PCs: {pcs}',
  'sheet.done': 'Nothing to do: you can already sign in with your ATKey.',
  'sheet.step': '{n}. {title}',
  'sheet.guideStep': '(guide step {step})',
  'sheet.plug.title': 'Plug in your ATKey',
  'sheet.plug.text': 'Plug your ATKey into a USB port of the PC. Its LED lights blue; if it stays cyan, Windows has not recognised it: try another port.',
  'sheet.fingerprint.title': 'Put your fingerprint on the ATKey',
  'sheet.fingerprint.text': 'Your ATKey has no fingerprint yet. Press the button on its side 3 times: the LED flashes white. Then touch the sensor with the same finger about 12 times, lifting it each time, until the LED turns blue.',
  'sheet.fingerprint.alt': 'Or, on the PC: Settings > Accounts > Sign-in options > Security Key > Manage > Fingerprint > Add (Windows asks for the key\'s PIN, or to set one first).',
  'sheet.pin.title': 'Set a PIN on the ATKey',
  'sheet.pin.text': 'On the PC: Settings > Accounts > Sign-in options > Security Key > Manage > Security Key PIN > Add, and choose a PIN you will remember.',
  'sheet.register.title': 'Register the ATKey with your work account',
  'sheet.register.text': 'Go to https://aka.ms/mysecurityinfo and sign in. Choose "Add sign-in method" > "Security key" > "USB device", insert the ATKey, touch the sensor, and give the key a name.',
  'sheet.register.unknown': 'If the ATKey is already listed there, skip this step.',
  'sheet.token.title': 'Sign in to Windows once while online',
  'sheet.token.text': 'Lock the PC (Windows logo key + L) and sign in again with your work account and password while the PC is connected to the network.',
  'sheet.signin.title': 'Sign in with the ATKey',
  'sheet.signin.text': 'Lock the PC (Windows logo key + L). On the sign-in screen choose "Sign-in options", then the security key icon, insert the ATKey and touch the sensor.',
  'sheet.wait': 'Do not use the ATKey on {pcs} yet: your IT team is still preparing it and will tell you when it is ready.',
  'sheet.help': 'Questions: contact your IT helpdesk.',
  'sheet.wave': 'Wave {name}: please finish by {date}.',
} as const;
